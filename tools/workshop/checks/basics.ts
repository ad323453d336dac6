// Checks of exercises 1-3: the monolith, probes, scaling; and what every cluster check shares.
import type { Probe } from '../probe';

interface Stats {
  visits: number;
  entries: number;
}
export interface Deployment {
  metadata: { generation: number; labels?: Record<string, string> };
  spec: {
    replicas: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Record<string, unknown>[] };
    };
  };
  status: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}
interface PodList {
  items: {
    metadata: { name: string; labels: Record<string, string> };
    spec: { nodeName?: string };
    status: { containerStatuses?: { restartCount: number; ready: boolean }[] };
  }[];
}

const postHint = (p: Probe) =>
  `post one with the page's form, or: curl -X POST -H 'content-type: application/json' -d '{"author":"Ada","text":"Hello, Fig!"}' ${p.options.url}/api/entries`;

export async function ready(p: Probe, name: string, min = 1): Promise<Deployment> {
  const d = await p.kubectl<Deployment>('get', 'deployment', name);
  const readyCount = d.status.readyReplicas ?? 0;
  p.expect(
    readyCount >= min,
    `deployment/${name} has ${readyCount} ready replicas (${min} needed)`,
    `kubectl -n fig get pods -l app.kubernetes.io/name=${name}; kubectl -n fig describe deploy/${name}`,
  );
  p.pass(`deployment/${name}: ${readyCount}/${d.spec.replicas} ready`);
  return d;
}

/** 1: the monolith answers, renders its footer and colour, counts visits in Redis, holds an entry. */
export async function monolith(p: Probe) {
  const info = await p.info();
  p.expect(
    info.service === 'monolith',
    `the front door is served by ${info.service}, not the monolith`,
    'exercise 1 runs stage 0: npm start -- --stage 0',
  );
  p.pass(`GET /api/info: ${info.service} ${info.version} on ${info.pod}`);
  const page = await p.entry('/');
  const footer = /<footer id="served-by">\[([^\]]+)\] monolith (v\d+)<\/footer>/.exec(page.text);
  p.expect(
    page.status === 200 && footer,
    'the page has no footer naming the monolith',
    p.options.startHint,
  );
  const colour = /--version:([^;}]+)/.exec(page.text)?.[1];
  p.pass(`the page: footer [${footer[1]}] monolith ${footer[2]}, colour ${colour}`);
  const before = await p.json<Stats>(p.entry('/api/stats'), 'GET /api/stats');
  await p.entry('/');
  const after = await p.json<Stats>(p.entry('/api/stats'), 'GET /api/stats');
  p.expect(after.visits > before.visits, 'a page view did not add a visit', 'is Redis up?');
  p.pass(`Redis counts visits (${before.visits} → ${after.visits})`);
  p.expect(after.entries >= 1, 'the guestbook has no entry yet', postHint(p));
  p.pass(`the guestbook holds ${after.entries} entries`);
  if (p.track === 'cluster') {
    await ready(p, 'monolith');
    const redis = await p.kubectl<{ status: { readyReplicas?: number } }>(
      'get',
      'statefulset',
      'redis',
    );
    p.expect(
      redis.status.readyReplicas,
      'statefulset/redis is not ready',
      'kubectl -n fig describe statefulset/redis',
    );
    p.pass('statefulset/redis ready');
  }
}

/** 2: probes on the ops port; a Redis outage stopped traffic (503s) without a restart, and it is over. */
export async function probes(p: Probe) {
  const live = await p.ops('/livez');
  p.expect(live.status === 200, `/livez answered ${live.status}`, p.options.startHint);
  const readyz = await p.ops('/readyz');
  p.expect(
    readyz.status === 200,
    `/readyz answers ${readyz.status}: ${readyz.text.slice(0, 200)}`,
    'bring Redis back (step 4) and watch /readyz turn 200 again',
  );
  p.expect(/redis/i.test(readyz.text), '/readyz names no Redis check', p.options.startHint);
  p.pass('/livez 200 and /readyz 200 with its Redis check');
  const metrics = await p.metrics();
  const refused = metrics.sum('http_server_requests_total', { status_code: '503' });
  p.expect(
    refused > 0,
    'no request was answered 503 yet: Redis has not been taken away while traffic ran',
    'step 3: stop Redis, request the page or /api/stats, and watch /readyz fail',
  );
  p.pass(`${refused} requests answered 503 while Redis was away (readiness took the pod out)`);
  if (p.track === 'cluster') {
    const d = await ready(p, 'monolith');
    const app = d.spec.template.spec.containers[0] ?? {};
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
      p.expect(
        app[probe],
        `the monolith has no ${probe}`,
        'kubectl -n fig get deploy/monolith -o yaml',
      );
    const pods = await p.kubectl<PodList>('get', 'pods', '-l', 'app.kubernetes.io/name=monolith');
    const restarts = pods.items
      .flatMap((i) => i.status.containerStatuses ?? [])
      .reduce((n, c) => n + c.restartCount, 0);
    p.expect(
      restarts === 0,
      `monolith containers restarted ${restarts} times`,
      'liveness must not depend on Redis: kubectl -n fig describe pods -l app.kubernetes.io/name=monolith',
    );
    p.pass('startup, liveness and readiness probes set; no restart during the outage');
  }
}

/** 3: the frontend runs as three or more replicas, all healthy, and requests are spread over them. */
export async function scaling(p: Probe) {
  if (p.track === 'local') {
    const frontend = (await p.upstreams()).find((u) => u.name === 'frontend');
    p.expect(
      frontend,
      'the gateway has no frontend upstream',
      'npm start -- --stage 3 --frontend-replicas 3',
    );
    const usable = frontend.endpoints.filter((e) => e.healthy !== false && !e.ejected);
    p.expect(
      usable.length >= 3,
      `the frontend upstream has ${usable.length} usable endpoints (3 wanted)`,
      'restart with npm start -- --stage 3 --frontend-replicas 3 --store-replicas 2',
    );
    p.pass(`the gateway balances over ${usable.length} frontend endpoints`);
  } else {
    const d = await ready(p, 'frontend', 3);
    const pods = await p.kubectl<PodList>('get', 'pods', '-l', 'app.kubernetes.io/name=frontend');
    const nodes = new Set(pods.items.map((i) => i.spec.nodeName).filter(Boolean));
    p.pass(`frontend pods on ${nodes.size} node(s): ${[...nodes].join(', ')}`);
    const hpa = await p.kubectl<{ spec: { minReplicas: number; maxReplicas: number } }>(
      'get',
      'hpa',
      'frontend',
    );
    p.pass(
      `HPA frontend: ${hpa.spec.minReplicas}-${hpa.spec.maxReplicas} (deployment at ${d.spec.replicas})`,
    );
  }
  const pods = new Set<string>();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 5; i++) pods.add((await p.info()).pod);
    }),
  );
  p.expect(
    pods.size >= 2,
    `40 requests were all answered by ${[...pods].join(', ')}`,
    'are the replicas ready? the gateway spreads over ready endpoints only',
  );
  p.pass(`40 requests answered by ${pods.size} replicas: ${[...pods].join(', ')}`);
}
