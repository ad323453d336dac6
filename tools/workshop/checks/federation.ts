// Checks of exercises 15 and 16: the monolith outside the cluster, then retired.
import type { Probe } from '../probe';
import { ready } from './basics';

interface List<T> {
  items: T[];
}

/**
 * The mesh variant's monolith: WorkloadEntries the Service's selector picks
 * instead of pods. None where Istio's CRDs are not installed.
 */
async function workloadEntries(p: Probe) {
  try {
    const list = await p.kubectl<List<{ spec: { address: string } }>>(
      'get',
      'workloadentries.networking.istio.io',
      '-l',
      'app.kubernetes.io/name=monolith',
    );
    return list.items.map((w) => w.spec.address);
  } catch {
    return [];
  }
}

/** 15: the monolith lives outside the cluster and the cluster's services reach it by a Service name. */
export async function hybrid(p: Probe) {
  if (p.track === 'cluster') {
    const svc = await p.kubectl<{
      spec: { type?: string; selector?: Record<string, string>; externalName?: string };
    }>('get', 'service', 'monolith');
    const vms = svc.spec.selector ? await workloadEntries(p) : [];
    p.expect(
      svc.spec.type === 'ExternalName' || !svc.spec.selector || vms.length > 0,
      'service/monolith still selects pods inside the cluster',
      'step 2: replace it with a Service without selector (and its EndpointSlice), an ExternalName, or (mesh) a WorkloadEntry',
    );
    p.pass(
      svc.spec.type === 'ExternalName'
        ? `service/monolith is an ExternalName for ${svc.spec.externalName}`
        : vms.length
          ? `service/monolith selects the WorkloadEntry at ${vms.join(', ')}: the mesh treats the VM as a pod`
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
