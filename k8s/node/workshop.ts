/* eslint-disable no-console -- a command-line step of test:cluster (scenario.ts): its output is the interface */
// The workshop's cluster tracks on the node (ADR 0516): for each stage
// test-cluster.sh deploys, the exercises that start from it, each check run
// both ways. NOT YET on the exercise's starting state, then the doc's
// "Cluster track" steps as a learner types them (kubectl patch, scale,
// delete, a ConfigMap edit, a strategy variant applied over the stage), then
// PASS. Each exercise leaves the stage as the next one (and the deployed e2e
// suite that follows) expects. Exercise 4 is the handover scenario and 17 the
// migrate scenario (scenario.ts); 13 cannot run here (no Envoy;
// docs/workshop/README.md). 14 runs the observability add-on from images built
// here (ADR 0517).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { freePort, startBundle, startRedis } from '@fig/testing';

export interface Node {
  /** The `fig` Service's NodePort, the cluster's front door. */
  base: string;
  /** `kubectl -n fig …`, its stdout. */
  kc: (...args: string[]) => Promise<string>;
  result: (ok: boolean, what: string) => void;
  /**
   * A workshop check's cluster track, expected to say `want`; `args` go to
   * the check as they are.
   */
  check: (
    n: number,
    want: 'PASS' | 'NOT YET',
    when: string,
    at?: Forward,
    args?: string[],
  ) => Promise<void>;
}

/** A `kubectl port-forward` of one pod's main and ops ports, as the doc has the learner open. */
export interface Forward {
  url: string;
  ops: string;
}

const run = promisify(execFile);
const kubectl = process.env.KUBECTL ?? 'kubectl';

/** The first pod of an app, by its name label. */
const podOf = async (node: Node, app: string) =>
  node.kc(
    'get',
    'pods',
    '-l',
    `app.kubernetes.io/name=${app}`,
    '--field-selector=status.phase=Running',
    '-o',
    'jsonpath={.items[0].metadata.name}',
  );

/**
 * `kubectl port-forward TARGET :PORT…`: each port to a free local one (kubectl
 * picks them), as URLs in the order asked.
 */
async function portForward(target: string, ...ports: number[]) {
  const child: ChildProcess = spawn(
    kubectl,
    ['-n', 'fig', 'port-forward', target, ...ports.map((p) => `:${p}`)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const local = new Map<number, number>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`port-forward of ${target} did not start`)),
      30_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString().matchAll(/127\.0\.0\.1:(\d+) -> (\d+)/g))
        local.set(Number(m[2]), Number(m[1]));
      if (ports.every((p) => local.has(p))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`port-forward of ${target} exited ${code}`)));
  });
  return { urls: ports.map((p) => `http://127.0.0.1:${local.get(p)}`), stop: () => child.kill() };
}

/**
 * Forwards one pod's main and ops ports. One pod for both, so the counters the
 * check reads are those of the pod the requests went through (skaffold's
 * forward is one pod too).
 */
async function forward(
  pod: string,
  port: number,
  ops: number,
): Promise<Forward & { stop(): void }> {
  const { urls, stop } = await portForward(`pod/${pod}`, port, ops);
  return { url: urls[0]!, ops: urls[1]!, stop };
}

/** `npm run workshop -- load`, the learner's own load command, for `seconds`. */
async function load(url: string, seconds: number) {
  const { stdout } = await run(
    process.execPath,
    ['dist/tools/workshop/run.js', 'load', '--url', url, '--seconds', String(seconds)],
    { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return stdout.trim().split('\n').at(-1) ?? '';
}

/** Polls `ready` once a second until it holds; false after `seconds`. */
async function until(seconds: number, ready: () => Promise<boolean>) {
  for (let i = 0; i < seconds; i++) {
    if (await ready().catch(() => false)) return true;
    await sleep(1_000);
  }
  return false;
}

/** The versions that answered `n` reads of /api/info, with their counts. */
async function versions(base: string, n: number) {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/api/info`);
    const version = res.ok
      ? ((await res.json()) as { version: string }).version
      : `status ${res.status}`;
    seen[version] = (seen[version] ?? 0) + 1;
  }
  return seen;
}

/**
 * Polls the front door, one new connection per read (as a check or a learner's
 * browser opens), until `n` reads in a row are answered by `version`; the
 * seconds that took, or null after `seconds`. After a rollout of the gateway,
 * a pod that is draining still answers until kube-proxy has dropped it from
 * the NodePort's rules, through the connections it holds to the old side.
 */
async function settledOn(base: string, version: string, n = 20, seconds = 30) {
  const start = performance.now();
  const read = () =>
    new Promise<string>((resolve, reject) => {
      http
        .get(`${base}/api/info`, { agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => {
            try {
              resolve((JSON.parse(body) as { version: string }).version);
            } catch {
              resolve(`status ${res.statusCode}`);
            }
          });
        })
        .on('error', reject)
        .setTimeout(5_000, function (this: http.ClientRequest) {
          this.destroy(new Error('no answer in 5 s'));
        });
    });
  const settled = await until(seconds, async () => {
    for (let i = 0; i < n; i++) if ((await read()) !== version) return false;
    return true;
  });
  return settled ? Math.round(performance.now() - start) / 1000 : null;
}

const readyReplicas = async (node: Node, kind: string, name: string) =>
  Number((await node.kc('get', kind, name, '-o', 'jsonpath={.status.readyReplicas}')) || 0);

/** A strategy variant applied over the running stage, as `skaffold dev -p strategy` would. */
async function applyVariant(node: Node, variant: string) {
  await run('bash', ['k8s/node/deploy.sh', '--over', variant], { encoding: 'utf8' });
  node.result(true, `applied ${variant} over the stage`);
}

/** Who answered GET /api/entries (X-Fig-Served-By), as the doc's curl shows it. */
async function readsServedBy(url: string) {
  const res = await fetch(`${url}/api/entries`);
  await res.arrayBuffer();
  return res.headers.get('x-fig-served-by') ?? `status ${res.status}`;
}

/** The gateway's route table, edited in its ConfigMap (the doc's `kubectl edit configmap`). */
async function editRoutes(node: Node, edit: (yaml: string) => string) {
  const routes = await node.kc(
    'get',
    'configmap',
    'gateway-routes',
    '-o',
    'jsonpath={.data.routes\\.yaml}',
  );
  const changed = edit(routes);
  if (changed === routes) throw new Error('the route edit changed nothing');
  await node.kc(
    'patch',
    'configmap',
    'gateway-routes',
    '--type',
    'merge',
    '-p',
    JSON.stringify({ data: { 'routes.yaml': changed } }),
  );
}

/** `kubectl …` with `text` on its stdin. */
function kubectlWithInput(args: string[], text: string) {
  return new Promise<void>((resolve, reject) => {
    const child = execFile(kubectl, args, (err, _out, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(),
    );
    child.stdin!.end(text);
  });
}

/** Prometheus's answer to a PromQL query: each series' labels and value. */
async function promQuery(prometheus: string, query: string) {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as {
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/**
 * 14's cluster track, and the add-on behind it: an OpenTelemetry Collector,
 * Jaeger and Prometheus built here from their modules (ADR 0517), applied over
 * the running stage as `skaffold dev -p observability` does. One request's
 * trace must reach Jaeger across services; Prometheus must find every Fig pod
 * through the API and scrape its ops port, the frontend's model breaker among
 * the series. On stage 3a, whose steps have no load scenario: the add-on's
 * pods stay for its e2e suite, and the next stage's deploy removes them.
 */
async function observability(node: Node) {
  // Before the add-on nothing answers where the doc forwards Jaeger: a port
  // nothing listens on stands for that forward (a free one: fetch refuses
  // the well-known ports).
  await node.check(14, 'NOT YET', 'without the add-on', undefined, [
    '--jaeger',
    `http://127.0.0.1:${await freePort()}`,
  ]);
  await applyVariant(node, 'variants/observability/stage-3a-mirror-model');
  const jaeger = await portForward('svc/jaeger', 16686);
  const prometheus = await portForward('svc/prometheus', 9090);
  try {
    await node.check(14, 'PASS', 'with the add-on', undefined, ['--jaeger', jaeger.urls[0]!]);
    const url = prometheus.urls[0]!;
    const scraped = async () =>
      new Set(
        (await promQuery(url, 'up == 1'))
          .filter((s) => s.labels.job === 'fig-pods')
          .map((s) => s.labels.pod ?? ''),
      );
    const pods = JSON.parse(
      await node.kc('get', 'pods', '--field-selector=status.phase=Running', '-o', 'json'),
    ) as {
      items: {
        metadata: {
          name: string;
          deletionTimestamp?: string;
          annotations?: Record<string, string>;
        };
      }[];
    };
    // Every pod that asks to be scraped, but not one on its way out of a rollout.
    const want = pods.items
      .filter(
        (p) =>
          p.metadata.annotations?.['prometheus.io/scrape'] === 'true' &&
          !p.metadata.deletionTimestamp,
      )
      .map((p) => p.metadata.name);
    let up = new Set<string>();
    const all = await until(60, async () => {
      up = await scraped();
      return want.length > 0 && want.every((p) => up.has(p));
    });
    const missing = want.filter((p) => !up.has(p));
    node.result(
      all,
      `Prometheus scrapes every Fig pod's ops port: ${want.length - missing.length} of ${want.length} pods up${missing.length ? `; not ${missing.join(', ')}` : ''}`,
    );
    const breaker = await promQuery(url, 'frontend_model_breaker_state');
    node.result(
      breaker.length > 0 &&
        breaker.every((s) => s.labels.app === 'frontend' && s.labels.pod && s.labels.version),
      `Prometheus holds the frontend's model breaker state: ${breaker.map((s) => `${s.labels.pod}=${s.value}`).join(', ') || 'no series'}`,
    );
  } finally {
    jaeger.stop();
    prometheus.stop();
  }
}

/**
 * 15: the monolith moved out of the cluster to this host, reached from the
 * pods at the bridge's address (the node, as the pods see it), the cluster's
 * services calling it by the same Service name; then brought back in.
 */
async function hybrid(node: Node) {
  await node.check(15, 'NOT YET', 'with the monolith in the cluster');
  const bridge = process.env.NODE_BRIDGE ?? 'fig-cni0';
  const hostIp = networkInterfaces()[bridge]?.find((a) => a.family === 'IPv4')?.address;
  if (!hostIp) throw new Error(`no IPv4 address on ${bridge}`);
  // The doc's `npm start -- --stage 0 --bind 0.0.0.0`: the monolith and its
  // Redis. A shared machine: a free port rather than the doc's 8081.
  const redis = await startRedis();
  const outside = await startBundle('monolith', {
    env: { BIND_ADDRESS: '0.0.0.0', REDIS_URL: redis.url },
  });
  try {
    await node.kc('delete', 'deploy,hpa,pdb', '-l', 'app.kubernetes.io/name=monolith');
    const { stdout } = await run(
      kubectl,
      ['kustomize', 'k8s/variants/hybrid/stage-3-frontend/endpointslice'],
      { encoding: 'utf8', maxBuffer: 32 << 20 },
    );
    // The doc's `sed "s/192.0.2.10/$HOST_IP/g"`, and the port the host gave.
    const objects = parseAllDocuments(stdout.replaceAll('192.0.2.10', hostIp)).map(
      (d) =>
        d.toJS() as {
          kind: string;
          ports?: { port: number }[];
          spec?: { egress?: { ports: { port: number }[] }[] };
        },
    );
    for (const o of objects) {
      if (o.kind === 'EndpointSlice') o.ports![0]!.port = outside.port;
      if (o.kind === 'NetworkPolicy' && o.spec?.egress?.[0]?.ports?.[0]?.port === 8081)
        o.spec.egress[0].ports[0].port = outside.port;
    }
    await kubectlWithInput(
      ['-n', 'fig', 'apply', '-l', 'app.kubernetes.io/name=monolith', '-f', '-'],
      objects.map((o) => stringify(o)).join('---\n'),
    );
    // The in-cluster pods drain for a few seconds and keep answering on the
    // gateway's kept-alive connections: score until the host's monolith has.
    const scoredOutside = async () => {
      const metrics = await (await fetch(`${outside.ops}/metrics`)).text();
      const m =
        /http_server_requests_total\{[^}]*route="\/api\/sentiment"[^}]*status_code="200"[^}]*\} (\d+)/.exec(
          metrics,
        );
      return Number(m?.[1] ?? 0);
    };
    const served = await until(90, async () => {
      const res = await fetch(`${node.base}/api/sentiment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'legacy and new' }),
      });
      await res.arrayBuffer();
      return res.status === 200 && (await scoredOutside()) > 0;
    });
    node.result(
      served,
      `exercise 15: the host's monolith at ${hostIp}:${outside.port} scored texts sent to the cluster (${await scoredOutside()})`,
    );
    await node.check(15, 'PASS', 'with the monolith on the host');
  } finally {
    // Step 4: the stage again (skaffold run), then the slice and the rule go.
    await run('bash', ['k8s/node/deploy.sh', '--over', 'stage-3-frontend'], { encoding: 'utf8' });
    await node.kc('delete', 'endpointslice', 'monolith-outside', '--ignore-not-found');
    await node.kc('delete', 'networkpolicy', 'to-outside-monolith', '--ignore-not-found');
    await outside.stop();
    await redis.dispose();
  }
  await node.check(15, 'NOT YET', 'with the monolith back in the cluster');
}

const stages: Record<string, (node: Node) => Promise<void>> = {
  async 'stage-0-monolith'(node) {
    const monolith = await podOf(node, 'monolith');
    const f = await forward(monolith, 8081, 9081);
    try {
      // 1: the fresh guestbook has no entry; the doc's curl posts one.
      await node.check(1, 'NOT YET', 'on a fresh stage 0');
      const posted = await fetch(`${node.base}/api/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ author: 'Ada', text: 'Hello, Fig!' }),
      });
      node.result(posted.status === 201, `exercise 1: posted an entry (${posted.status})`);
      await node.check(1, 'PASS', 'after an entry is posted');
      // 2: Redis taken away under load, then brought back; no restart.
      await node.check(2, 'NOT YET', 'before Redis is taken away', { url: node.base, ops: f.ops });
      const traffic = load(node.base, 25);
      await sleep(2_000);
      await node.kc('scale', 'statefulset', 'redis', '--replicas=0');
      const out = await until(
        60,
        async () => (await readyReplicas(node, 'deploy', 'monolith')) === 0,
      );
      node.result(out, 'exercise 2: without Redis every monolith pod turned not ready');
      await node.kc('scale', 'statefulset', 'redis', '--replicas=1');
      const back = await until(
        120,
        async () => (await readyReplicas(node, 'deploy', 'monolith')) >= 2,
      );
      node.result(back, 'exercise 2: Redis back, both monolith pods ready again');
      console.log(`load: ${await traffic}`);
      await node.check(2, 'PASS', 'after the outage', { url: node.base, ops: f.ops });
      // 6 starts here: no gateway in front yet.
      await node.check(6, 'NOT YET', 'on stage 0 (no facade)', { url: node.base, ops: f.ops });
    } finally {
      f.stop();
    }
  },

  async 'stage-1-facade'(node) {
    let f = await forward(await podOf(node, 'gateway'), 8080, 9080);
    try {
      await node.check(6, 'PASS', 'on stage 1', f);
      // 10 starts here: one model for everyone, whatever the header says.
      await node.check(10, 'NOT YET', 'on stage 1 (no split)', f);
      // 5: blue/green, the variant applied over stage 1, then one selector
      // patch under load, and back. A Service selector decides new
      // connections only: the gateway's kept-alive ones stay with blue while
      // traffic keeps them busy, so the doc restarts the gateway after each
      // patch (as it already did for stage 4's gRPC connections).
      await applyVariant(node, 'variants/strategies/blue-green/stage-1-facade');
      await node.check(5, 'NOT YET', 'with blue live');
      const traffic = load(node.base, 45);
      await sleep(2_000);
      const switchTo = async (version: string) => {
        await node.kc(
          'patch',
          'svc',
          'monolith',
          '-p',
          JSON.stringify({ spec: { selector: { version } } }),
        );
        await sleep(3_000);
        console.log(
          `load: selector on ${version}, gateway not restarted: /api/info said ${JSON.stringify(await versions(node.base, 20))}`,
        );
        await node.kc('rollout', 'restart', 'deploy/gateway');
        await node.kc('rollout', 'status', 'deploy/gateway', '--timeout=120s');
        // `rollout status` returns as the last old gateway pod starts to
        // drain; the check waits, as a learner re-running it would, until
        // the NodePort no longer reaches it (bounded: the check then fails).
        const after = await settledOn(node.base, version);
        console.log(
          `load: gateway restarted, every new connection answered by ${version} ${after === null ? 'not within 30 s' : `${after} s after the rollout`}`,
        );
      };
      await switchTo('v2');
      await node.check(5, 'PASS', 'after the switch to green');
      await switchTo('v1');
      await node.check(5, 'NOT YET', 'after rolling back to blue');
      const summary = await traffic;
      console.log(`load: ${summary}`);
      node.result(
        / 0 failed/.test(summary),
        `exercise 5: no request failed across both switches (${summary})`,
      );
      // 10: the A/B variant over it (deterministic, unlike the canary's draw).
      await applyVariant(node, 'variants/strategies/ab-test/stage-1-facade');
      f.stop();
      f = await forward(await podOf(node, 'gateway'), 8080, 9080);
      // The kubelet projects the new table within its sync period (10 s here).
      const reloaded = await until(60, async () =>
        (await (await fetch(`${f.ops}/gateway/routes`)).text()).includes('model-v2-by-cookie'),
      );
      node.result(reloaded, 'exercise 10: the gateway loaded the A/B table');
      await node.check(10, 'PASS', 'with the A/B variant', f);
    } finally {
      f.stop();
    }
  },

  async 'stage-2a-mirror-reads'(node) {
    const f = await forward(await podOf(node, 'gateway'), 8080, 9080);
    try {
      await node.check(7, 'NOT YET', 'before any read', f);
      console.log(`load: ${await load(f.url, 20)}`);
      await node.check(7, 'PASS', 'after 20 s of load', f);
    } finally {
      f.stop();
    }
  },

  async 'stage-2-store'(node) {
    const f = await forward(await podOf(node, 'gateway'), 8080, 9080);
    try {
      await node.check(9, 'NOT YET', 'on stage 2 (the monolith serves the page)');
      await node.check(8, 'NOT YET', 'before the roll-back and forward', f);
      const traffic = load(f.url, 45);
      // The doc's step 3: entries-read back to the monolith, then forward again.
      const readBack = (y: string) =>
        y.replace(
          /(- name: entries-read\n(?:.*\n)*?)\s+transcode: \{ rpc: ListEntries \}\n\s+mirror: .*\n/,
          '$1    proxy: { upstream: monolith }\n',
        );
      const original = await node.kc(
        'get',
        'configmap',
        'gateway-routes',
        '-o',
        'jsonpath={.data.routes\\.yaml}',
      );
      await editRoutes(node, readBack);
      node.result(
        await until(90, async () => (await readsServedBy(f.url)).startsWith('monolith/')),
        `exercise 8: reads rolled back, served by ${await readsServedBy(f.url)}`,
      );
      await editRoutes(node, () => original);
      // Every gateway pod, as the e2e suite that follows goes through both.
      for (const pod of (
        await node.kc(
          'get',
          'pods',
          '-l',
          'app.kubernetes.io/name=gateway',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        )
      ).split(' ')) {
        const g = await forward(pod, 8080, 9080);
        try {
          node.result(
            await until(90, async () => (await readsServedBy(g.url)).startsWith('store-svc/')),
            `exercise 8: reads rolled forward on ${pod}, served by ${await readsServedBy(g.url)}`,
          );
        } finally {
          g.stop();
        }
      }
      console.log(`load: ${await traffic}`);
      await node.check(8, 'PASS', 'after the roll-back and forward', f);
    } finally {
      f.stop();
    }
  },

  async 'stage-3-frontend'(node) {
    await node.check(9, 'PASS', 'on stage 3');
    // 3: three replicas through the HPA, then back to the stage's two.
    await node.check(3, 'NOT YET', 'at two frontend replicas');
    await node.kc('patch', 'hpa', 'frontend', '-p', '{"spec":{"minReplicas":3}}');
    node.result(
      await until(120, async () => (await readyReplicas(node, 'deploy', 'frontend')) >= 3),
      'exercise 3: the HPA scaled the frontend to 3',
    );
    await node.check(3, 'PASS', 'at three');
    await node.kc('patch', 'hpa', 'frontend', '-p', '{"spec":{"minReplicas":2}}');
    await node.kc('scale', 'deploy', 'frontend', '--replicas=2');
    await node.kc('rollout', 'status', 'deploy/frontend', '--timeout=120s');
    // 12's cluster track: a frontend pod killed under load, absorbed before
    // the gateway sees a failure (its check is local only: the node showed
    // that the gateway's counters never move here, ADR 0516).
    const traffic = load(node.base, 20);
    await sleep(3_000);
    const pod = await podOf(node, 'frontend');
    await node.kc('delete', 'pod', pod, '--grace-period=0', '--force');
    node.result(
      await until(120, async () => (await readyReplicas(node, 'deploy', 'frontend')) >= 2),
      'exercise 12: the Deployment replaced the killed frontend pod',
    );
    const summary = await traffic;
    console.log(`load: ${summary}`);
    node.result(
      / 0 failed/.test(summary),
      `exercise 12: no request failed across the kill (${summary})`,
    );
    await hybrid(node);
  },

  async 'stage-3a-mirror-model'(node) {
    await observability(node);
    const f = await forward(await podOf(node, 'gateway'), 8080, 9080);
    try {
      await node.check(11, 'NOT YET', 'before any text is scored', f);
      for (const text of ['I love it', 'not bad', 'this is awful', 'meh']) {
        const res = await fetch(`${f.url}/api/sentiment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
        await res.arrayBuffer();
      }
      await sleep(1_000); // the shadow call finishes after the answer
      await node.check(11, 'PASS', 'after four texts are scored', f);
      await node.check(16, 'NOT YET', 'on stage 3a (the monolith still scores)', f);
    } finally {
      f.stop();
    }
  },

  async 'stage-4-model'(node) {
    const f = await forward(await podOf(node, 'gateway'), 8080, 9080);
    try {
      await node.check(16, 'PASS', 'on stage 4', f);
    } finally {
      f.stop();
    }
  },
};

/** The stages with workshop steps. */
export const workshopStages = Object.keys(stages);

export async function workshop(node: Node, stage: string) {
  const steps = stages[stage];
  if (!steps) throw new Error(`no workshop steps for ${stage}`);
  const t = Date.now();
  await steps(node);
  console.log(
    `FIGURES ${JSON.stringify({ scenario: 'workshop', stage, seconds: (Date.now() - t) / 1000 })}`,
  );
}
