// Checks of exercises 4 and 5: a rolling update under load, blue/green.
import { formatSummary, runLoad } from '../load';
import type { Probe } from '../probe';
import { ready } from './basics';

/** 4: v2 is what serves now, and it serves without failures under load (the check runs the load). */
export async function rollingUpdate(p: Probe) {
  const info = await p.info();
  p.expect(
    info.version !== 'v1',
    `the front door still serves ${info.service} v1`,
    p.track === 'local'
      ? 'restart with APP_VERSION=v2 npm start -- --stage 3 --frontend-replicas 2'
      : `kubectl -n fig patch deploy/frontend -p '{"spec":{"template":{"metadata":{"labels":{"app.kubernetes.io/version":"v2"}}}}}'`,
  );
  p.pass(`the front door serves ${info.service} ${info.version}`);
  if (p.track === 'cluster') {
    const d = await ready(p, 'frontend');
    const s = d.status;
    p.expect(
      s.observedGeneration === d.metadata.generation &&
        s.updatedReplicas === d.spec.replicas &&
        s.availableReplicas === d.spec.replicas,
      `the rollout is not complete (${s.updatedReplicas ?? 0} of ${d.spec.replicas} updated)`,
      'kubectl -n fig rollout status deploy/frontend',
    );
    p.pass('the rollout is complete: every replica updated and available');
  }
  const load = await runLoad({ url: p.options.url, seconds: 5, clients: 4, writes: true });
  p.expect(
    load.failed === 0,
    `under load: ${formatSummary(load)}`,
    'are all replicas ready? npm run workshop -- load shows failures as they happen',
  );
  p.pass(`5 s of load: ${formatSummary(load)}`);
}

/** 5: the live side is green (v2), switched by one edit, with blue still there to switch back to. */
export async function blueGreen(p: Probe) {
  if (p.track === 'local') {
    const table = await p.routes();
    p.expect(
      table.upstreams.blue && table.upstreams.green,
      'the live route table has no blue and green upstreams',
      'start the gateway with the blue/green table: npm start -- --stage 1 --routes .data/blue-green.yaml (step 2)',
    );
    const live = table.routes.find((r) => r.name === 'everything-else')?.proxy?.upstream;
    p.expect(
      live === 'green',
      `everything-else still goes to ${live}`,
      "switch: sed -i '/# the live side/s/blue/green/' .data/blue-green.yaml",
    );
    p.pass('the route table sends every request to green; blue stays defined to switch back');
  } else {
    const svc = await p.kubectl<{ spec: { selector?: Record<string, string> } }>(
      'get',
      'service',
      'monolith',
    );
    p.expect(
      svc.spec.selector?.version === 'v2',
      `service/monolith selects version ${svc.spec.selector?.version ?? '(any)'}`,
      `kubectl -n fig patch svc monolith -p '{"spec":{"selector":{"version":"v2"}}}'`,
    );
    await ready(p, 'monolith');
    await ready(p, 'monolith-v2');
    p.pass('service/monolith selects green (v2); blue (v1) still runs');
  }
  const info = await p.info();
  p.expect(
    info.version === 'v2',
    `the front door serves ${info.service} ${info.version}, not green`,
    'is green ready? (step 1)',
  );
  p.pass(`the front door serves ${info.service} ${info.version} (${info.pod})`);
}
