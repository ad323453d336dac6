// Checks of exercises 13 and 14: the mesh, one traced request.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Missing, type Probe } from '../probe';

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

/**
 * The services of one trace in Jaeger, once two or more have reported, or
 * whichever had after 20 s. Each service's SDK exports its spans in batches,
 * every 5 s by default (OTEL_BSP_SCHEDULE_DELAY), so the services of one
 * trace arrive at different times: the first to arrive is not the answer.
 */
async function jaegerServices(p: Probe, traceId: string): Promise<string[]> {
  const url = new URL(`/api/traces/${traceId}`, p.options.jaeger).toString();
  let names: string[] = [];
  for (let i = 0; i < 40 && names.length < 2; i++) {
    if (i > 0) await sleep(500);
    const res = await p.request(url).catch((err: Error) => {
      throw new Missing(
        `Jaeger: ${err.message}`,
        'deploy the observability add-on (skaffold dev -p observability), then kubectl -n fig port-forward svc/jaeger 16686',
      );
    });
    if (res.status !== 200) continue;
    const trace = (
      JSON.parse(res.text) as {
        data?: {
          processes: Record<string, { serviceName: string }>;
          spans: { processID: string; startTime: number }[];
        }[];
      }
    ).data?.[0];
    // In the order the request reached them: by each one's first span.
    const spans = [...(trace?.spans ?? [])].sort((a, b) => a.startTime - b.startTime);
    names = [...new Set(spans.map((s) => trace!.processes[s.processID]?.serviceName ?? '?'))];
  }
  return names;
}
