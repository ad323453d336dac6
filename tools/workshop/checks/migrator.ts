// Check of exercise 17: the migrator moved a route by itself, or rolled it back by itself.
import { Missing, type Probe } from '../probe';

/** The route the exercise's spec moves, and where it goes (docs/workshop/migrator/migrations.yaml). */
const route = 'entries-read';
const current = 'monolith';
const candidate = 'monolith-v2';

interface MigrationView {
  route: string;
  state: string;
  step: { name: string; kind: string };
  reason: string;
  history: { from: string; to: string; state: string; reason: string }[];
}

const hints: Record<string, string> = {
  pending: `step 3: send traffic, then npm run migrate -- start ${route}`,
  running:
    'keep the load running: the migrator advances one step per interval while the gates hold',
  paused: `someone edited the route, or paused it: npm run migrate -- resume ${route}`,
  aborted: `npm run migrate -- start ${route} starts it again from the route as it is`,
};

/** 17: the migration of entries-read succeeded (or rolled back), and the gateway serves what it says. */
export async function selfDriving(p: Probe) {
  const api = p.options.migrator ?? 'http://localhost:8086';
  const { migrations } = await p
    .json<{ migrations: MigrationView[] }>(
      p.request(new URL('/migrations', api).toString()),
      `the migrator's GET /migrations (${api})`,
    )
    .catch((err: Error) => {
      throw new Missing(
        err.message,
        'is the migrator running? npm start -- --stage 1 --routes .data/migrator-routes.yaml --migrations docs/workshop/migrator/migrations.yaml (or --migrator URL)',
      );
    });
  const m = migrations.find((x) => x.route === route);
  p.expect(
    m,
    `the migrator has no migration of ${route}`,
    'start it with the exercise spec: --migrations docs/workshop/migrator/migrations.yaml',
  );
  p.pass(`the migrator drives ${route}`);
  // Rolled back: a gate breached at a weight step (a breach while mirroring only stops it).
  const rolledBack = m.history.some((h) => h.state === 'failed' && h.from.startsWith('weight'));
  p.expect(
    m.state === 'succeeded' || (m.state === 'failed' && rolledBack),
    `the migration of ${route} is ${m.state} at ${m.step.name} (${m.reason})`,
    hints[m.state] ??
      `npm run migrate -- status says why; npm run migrate -- start ${route} tries again`,
  );

  const served = (await p.routes()).routes.find((r) => r.name === route);
  p.expect(
    served,
    `the gateway has no route ${route}`,
    'is the gateway serving the route file the migrator drives (--routes)?',
  );
  const expected = m.state === 'succeeded' ? candidate : current;
  p.expect(
    served.proxy?.upstream === expected,
    `the migrator says ${m.state}, but the gateway's ${route} is ${JSON.stringify(served.proxy ?? served.split ?? {})}`,
    'is the migrator driving the file this gateway serves (GATEWAY_ROUTES, GATEWAY_OPS_URLS)?',
  );
  if (m.state === 'succeeded') {
    // The path it took: each step once (pauses and the final `succeed` repeat one).
    const steps = [m.history[0]?.from ?? 'baseline', ...m.history.map((h) => h.to)];
    const path = steps.filter((step, i) => step !== steps[i - 1]).join(' → ');
    p.pass(`the migration succeeded: ${path}`);
    p.pass(`the gateway proxies ${route} to ${candidate}`);
  } else {
    p.pass(`a breached gate rolled it back: ${m.reason}`);
    p.pass(`clients are answered by ${current} again (at ${m.step.name})`);
  }
  if (p.track === 'cluster') {
    const deploy = await p.kubectl<{ status: { readyReplicas?: number } }>(
      'get',
      'deployment',
      'migrator',
    );
    p.expect(
      (deploy.status.readyReplicas ?? 0) > 0,
      'deploy/migrator has no ready pod',
      'skaffold dev -p migrator',
    );
    p.pass('deploy/migrator is ready');
  }
}
