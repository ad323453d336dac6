// Checks of exercises 13-16: the mesh, one traced request, the hybrid app, the retired monolith.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Missing, type Probe } from '../probe';
import { ready } from './basics';

interface List<T> {
  items: T[];
}
interface Pod {
  metadata: { name: string };
  spec: { containers: { name: string }[]; initContainers?: { name: string }[] };
}

/** 13: every pod has a sidecar, mTLS is STRICT, and authorization denies by default. */
export async function mesh(p: Probe) {
  p.expect(
    p.track === 'cluster',
    'exercise 13 has a cluster track only (no mesh runs locally)',
    'run it on kind with Istio: npm run workshop -- check 13 --track cluster',
  );
  const pods = await p.kubectl<List<Pod>>('get', 'pods');
  // Istio 1.30 on current Kubernetes injects a native sidecar (an init container that keeps running).
  const bare = pods.items
    .filter(
      (pod) =>
        ![...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some(
          (c) => c.name === 'istio-proxy',
        ),
    )
    .map((pod) => pod.metadata.name);
  p.expect(
    pods.items.length && bare.length === 0,
    `pods without a sidecar: ${bare.join(', ') || '(no pods)'}`,
    'FIG_STAGE=<stage> skaffold dev -p istio (the namespace is labelled for injection)',
  );
  p.pass(`${pods.items.length} pods, each with its istio-proxy sidecar`);
  const peer = await p.kubectl<List<{ spec: { mtls?: { mode?: string } } }>>(
    'get',
    'peerauthentications.security.istio.io',
  );
  p.expect(
    peer.items.some((x) => x.spec.mtls?.mode === 'STRICT'),
    'no PeerAuthentication with mode STRICT',
    'kubectl -n fig get peerauthentication',
  );
  p.pass('PeerAuthentication: mTLS STRICT');
  const authz = await p.kubectl<
    List<{ metadata: { name: string }; spec?: Record<string, unknown> }>
  >('get', 'authorizationpolicies.security.istio.io');
  const denyAll = authz.items.some((a) => !a.spec || Object.keys(a.spec).length === 0);
  p.expect(
    denyAll,
    'no deny-all AuthorizationPolicy (an empty spec)',
    'kubectl -n fig get authorizationpolicy',
  );
  p.pass(
    `${authz.items.length} AuthorizationPolicies, deny by default then allow: ${authz.items.map((a) => a.metadata.name).join(', ')}`,
  );
  const page = await p.entry('/');
  p.expect(
    page.status === 200,
    `the front door answers ${page.status} through the mesh`,
    'kubectl -n fig get authorizationpolicy; a deny shows as 403 RBAC: access denied',
  );
  p.pass('the page is served through the mesh');
}

/** 14: one request, followed by its trace id across services (logs locally, Jaeger on a cluster). */
export async function tracing(p: Probe) {
  const traceId = randomBytes(16).toString('hex');
  const res = await p.entry('/api/entries?limit=1', {
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  });
  p.expect(res.status === 200, `GET /api/entries answered ${res.status}`, p.options.startHint);
  p.pass(`sent GET /api/entries with trace id ${traceId}`);
  if (p.options.jaeger) {
    const services = await jaegerServices(p, traceId);
    p.expect(
      services.length >= 2,
      `Jaeger holds trace ${traceId} with services: ${services.join(', ') || 'none'}`,
      'is the observability add-on deployed? skaffold dev -p observability',
    );
    p.pass(`Jaeger shows the trace across ${services.join(' → ')}`);
    return;
  }
  const log = p.options.log;
  p.expect(
    log,
    'no log file to search (give --log <file>, or --jaeger <url> on a cluster)',
    'npm start -- --stage 3 --log-format json > .data/fig.log',
  );
  let names: string[] = [];
  for (let i = 0; i < 10 && names.length === 0; i++) {
    await sleep(200);
    const text = await readFile(log, 'utf8').catch(() => {
      throw new Missing(
        `cannot read ${log}`,
        'npm start -- --stage 3 --log-format json > .data/fig.log',
      );
    });
    names = [
      ...new Set(
        text
          .split('\n')
          .filter((l) => l.includes(traceId))
          .map((l) => /^\[([\w-]+)\]/.exec(l)?.[1] ?? '?'),
      ),
    ];
  }
  p.expect(
    names.length,
    `no line of ${log} carries trace id ${traceId}`,
    'is npm start writing JSON logs into that file (--log-format json)?',
  );
  p.pass(`log lines with that trace id, from: ${names.join(', ')} (grep ${traceId} ${log})`);
}

async function jaegerServices(p: Probe, traceId: string): Promise<string[]> {
  for (let i = 0; i < 20; i++) {
    const res = await p.request(new URL(`/api/traces/${traceId}`, p.options.jaeger).toString());
    if (res.status === 200) {
      const body = JSON.parse(res.text) as {
        data?: { processes: Record<string, { serviceName: string }> }[];
      };
      const names = Object.values(body.data?.[0]?.processes ?? {}).map((x) => x.serviceName);
      if (names.length) return [...new Set(names)];
    }
    // The collector batches spans: give it a few seconds.
    await sleep(500);
  }
  return [];
}

/** 15: the monolith lives outside the cluster and the cluster's services reach it by a Service name. */
export async function hybrid(p: Probe) {
  if (p.track === 'cluster') {
    const svc = await p.kubectl<{
      spec: { type?: string; selector?: Record<string, string>; externalName?: string };
    }>('get', 'service', 'monolith');
    const outside = svc.spec.type === 'ExternalName' || !svc.spec.selector;
    p.expect(
      outside,
      'service/monolith still selects pods inside the cluster',
      'step 2: replace it with a Service without selector (and its EndpointSlice) or an ExternalName',
    );
    p.pass(
      svc.spec.type === 'ExternalName'
        ? `service/monolith is an ExternalName for ${svc.spec.externalName}`
        : 'service/monolith has no selector: its endpoints point outside the cluster',
    );
    const inside = await p.kubectl<List<{ status: { readyReplicas?: number } }>>(
      'get',
      'deployment',
      '-l',
      'app.kubernetes.io/name=monolith',
    );
    const running = inside.items.reduce((n, d) => n + (d.status.readyReplicas ?? 0), 0);
    p.expect(
      running === 0,
      `${running} monolith pods still run in the cluster`,
      'kubectl -n fig delete hpa monolith; kubectl -n fig scale deploy monolith --replicas=0',
    );
    p.pass('no monolith pod in the cluster');
  } else {
    const monolith = (await p.upstreams()).find((u) => u.name === 'monolith');
    p.expect(
      monolith,
      'the gateway has no monolith upstream',
      'exercise 15 runs stage 3: npm start -- --stage 3',
    );
    p.pass(
      `the gateway reaches the monolith at ${monolith.endpoints.map((e) => e.url).join(', ')} (MONOLITH_URL)`,
    );
  }
  const res = await p.entry('/api/sentiment', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'legacy and new, federated' }),
  });
  const servedBy = res.headers.get('x-fig-served-by') ?? '';
  p.expect(
    res.status === 200 && servedBy.startsWith('monolith'),
    `POST /api/sentiment answered ${res.status} from "${servedBy}"`,
    'is the monolith up where the Service points?',
  );
  p.pass(`POST /api/sentiment is served by the monolith (X-Fig-Served-By: ${servedBy})`);
}

/** 16: nothing routes to the monolith any more; page, API and model are served without it. */
export async function retired(p: Probe) {
  const table = await p.routes();
  const toMonolith = table.routes
    .filter((r) => r.proxy?.upstream === 'monolith' || r.mirror?.upstream === 'monolith')
    .map((r) => r.name);
  p.expect(
    !table.upstreams.monolith && toMonolith.length === 0,
    `the gateway still has a monolith upstream${toMonolith.length ? ` (routes ${toMonolith.join(', ')})` : ''}`,
    'exercise 16 runs stage 4: npm start -- --stage 4',
  );
  p.pass('the gateway has no monolith upstream and no route to it');
  const info = await p.info();
  p.pass(`the page and API come from ${info.service} ${info.version}`);
  const res = await p.entry('/api/sentiment', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'goodbye, old friend' }),
  });
  const servedBy = res.headers.get('x-fig-served-by') ?? '';
  p.expect(
    res.status === 200 && !servedBy.startsWith('monolith'),
    `POST /api/sentiment answered ${res.status} from "${servedBy}"`,
    'is model-svc ready? (npm run setup:python once)',
  );
  p.pass(`POST /api/sentiment is scored without the monolith (X-Fig-Served-By: ${servedBy})`);
  if (p.track === 'cluster') {
    const left = await p.kubectl<List<{ metadata: { name: string } }>>(
      'get',
      'deployment',
      '-l',
      'app.kubernetes.io/name=monolith',
    );
    p.expect(
      left.items.length === 0,
      `monolith Deployments remain: ${left.items.map((d) => d.metadata.name).join(', ')}`,
      'skaffold dev -p stage-4-model deploys none',
    );
    await ready(p, 'model-svc');
    p.pass('no monolith Deployment in the cluster');
  }
}
