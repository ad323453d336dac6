import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeAtEnd, startBundle, type RunningBundle } from '@fig/testing';
import { openStream, type ViewDoc } from './support/live-view';

/**
 * The migrations panel against the real controller: the built migrator drives
 * a route of the built gateway from `current` to an equal `candidate` under
 * steady traffic, and the built live view, watching both, must show the step,
 * the gates and the history the migrator itself answers.
 */
jest.setTimeout(120_000);

// Three processes start in turn on a machine other suites share: a generous bound each.
const readyTimeoutMs = 60_000;

type Migration = NonNullable<ViewDoc['migrations']>[number];

/** An upstream whose answer depends on the request, so the mirror's comparison means something. */
async function upstream(): Promise<string> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ items: [req.url!.length, req.url!.split('?')[1] ?? ''] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAtEnd(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const routes = (current: string, candidate: string) => `version: 1
upstreams:
  current: { version: v1, endpoints: ['${current}'] }
  candidate: { version: v2, endpoints: ['${candidate}'] }
routes:
  - name: items
    match: { methods: [GET], prefix: /api/items }
    proxy: { upstream: current }
  - name: rest
    match: { prefix: / }
    proxy: { upstream: current }
`;

const migrations = `version: 1
migrations:
  - route: items
    current: current
    candidate: candidate
    steps: [{ mirror: 50 }, { mirror: 100 }, { weight: 10 }, { weight: 50 }, { weight: 100 }]
    interval: 1s
    minRequests: 20
    gates:
      mismatchRate: 0.01
      errorRate: 0.05
      # Loose: on a shared machine a tight p99 gate can roll back, and this spec is about the panel.
      p99: { maxRatio: 2, toleranceMs: 2000 }
`;

/** Steady client traffic on the driven route until stopped. */
function startTraffic(base: string) {
  let stopped = false;
  const loop = async (c: number) => {
    for (let i = 0; !stopped; i++) {
      await fetch(`${base}/api/items?c=${c}&i=${i}`, { signal: AbortSignal.timeout(5_000) })
        .then((res) => res.arrayBuffer())
        .catch(() => undefined);
      await sleep(5);
    }
  };
  const loops = [0, 1, 2].map(loop);
  return async () => {
    stopped = true;
    await Promise.all(loops);
  };
}

/** What the live view keeps of the controller's answer: its fields, the last five history lines. */
const asShown = (m: Migration) => ({
  route: m.route,
  state: m.state,
  step: { index: m.step.index, name: m.step.name, percent: m.step.percent },
  // The agreed shape of a gate; the controller may say more (a rate's `bad` count).
  gates: m.gates.map(({ name, value, threshold, ok }) => ({ name, value, threshold, ok })),
  history: m.history.slice(-5).map(({ at, from, to, reason }) => ({ at, from, to, reason })),
});

type Stream = Awaited<ReturnType<typeof openStream>>;

/** stream.until, bounded: running out names what the panels showed last instead of hanging. */
async function until(stream: Stream, ok: (d: ViewDoc) => boolean, what: string, ms = 60_000) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const d = stream.current();
      reject(
        new Error(
          `${what}: not within ${ms} ms; last shown ${JSON.stringify(d?.migrations)}, problems ${JSON.stringify(d?.problems)}`,
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([stream.until(ok, what), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the live view watching the real migration controller', () => {
  let gateway: RunningBundle;
  let migrator: RunningBundle;
  let liveView: RunningBundle;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fig-live-migrator-'));
    closeAtEnd(async () => rmSync(dir, { recursive: true, force: true }));
    const [current, candidate] = await Promise.all([upstream(), upstream()]);
    writeFileSync(path.join(dir, 'routes.yaml'), routes(current, candidate));
    writeFileSync(path.join(dir, 'migrations.yaml'), migrations);
    gateway = await startBundle('gateway', {
      env: { GATEWAY_ROUTES: path.join(dir, 'routes.yaml'), ACCESS_LOG: 'false' },
      readyTimeoutMs,
    });
    migrator = await startBundle('migrator', {
      env: {
        MIGRATIONS: path.join(dir, 'migrations.yaml'),
        GATEWAY_OPS_URLS: gateway.ops,
        GATEWAY_ROUTES: path.join(dir, 'routes.yaml'),
        MIGRATOR_STATE: path.join(dir, 'state.json'),
      },
      readyTimeoutMs,
    });
    liveView = await startBundle('live-view', {
      env: {
        GATEWAY_OPS_URL: gateway.ops,
        MIGRATOR_URL: migrator.base,
        STAGE: 'stage-1-facade',
        INTERVAL_MS: '200',
      },
      readyTimeoutMs,
    });
  }, 90_000);

  const controllerSays = async (): Promise<Migration> =>
    ((await (await fetch(`${migrator.base}/migrations`)).json()) as { migrations: Migration[] })
      .migrations[0]!;

  it('shows a migration the controller drives, step by step, to the end', async () => {
    const stream = await openStream(liveView.base);
    const before = await until(
      stream,
      (d) => (d.migrations?.length ?? 0) > 0,
      'the migrator is read',
    );
    expect(before.problems).toEqual([]);
    expect(before.migrations!.map(({ route, state }) => ({ route, state }))).toEqual([
      { route: 'items', state: (await controllerSays()).state },
    ]);

    const start = await fetch(`${migrator.base}/migrations/items/start`, { method: 'POST' });
    expect(start.status).toBe(200);
    const stopTraffic = startTraffic(gateway.base);
    try {
      // A weight step in flight: the panel has the step, and the gateway panel the weights it set.
      const weighted = await until(
        stream,
        (d) => d.migrations?.[0]?.step.name === 'weight 50%',
        'the weight 50% step shows',
      );
      expect(weighted.migrations![0]).toMatchObject({
        state: 'running',
        step: { index: 3, percent: 50 },
      });
      expect(weighted.migrations![0]!.gates.map((g) => g.name).sort()).toEqual([
        'errorRate',
        'mismatchRate',
        'p99Ms',
      ]);
      expect(weighted.migrations![0]!.history.at(-1)).toMatchObject({
        from: 'weight 10%',
        to: 'weight 50%',
      });

      const done = await until(
        stream,
        (d) => d.migrations?.[0]?.state === 'succeeded',
        'the migration succeeds',
      );
      // Once it has stopped moving, the panel is exactly the controller's answer.
      expect(done.migrations).toEqual([asShown(await controllerSays())]);
      expect(done.migrations![0]!.history.map((h) => h.to)).toEqual([
        'mirror 100%',
        'weight 10%',
        'weight 50%',
        'weight 100%',
        'weight 100%',
      ]);
      expect(done.migrations![0]!.gates.every((g) => g.ok)).toBe(true);
      // And the gateway panel shows the route the migrator rewrote: all on the candidate.
      const routed = await until(
        stream,
        (d) => d.gateway?.routes.find((r) => r.name === 'items')?.action === 'candidate',
        'the items route on the candidate',
      );
      expect(routed.gateway!.routes.find((r) => r.name === 'items')!.mirror).toBeNull();
      expect(routed.problems).toEqual([]);
    } finally {
      await stopTraffic();
    }
    stream.close();
  });

  it('names the migrator as a problem when it goes away, keeping the last panel', async () => {
    const stream = await openStream(liveView.base);
    const last = await until(stream, (d) => d.migrations?.[0]?.state === 'succeeded', 'the panel');
    await migrator.kill();
    const doc = await until(
      stream,
      (d) => d.problems.some((p) => p.source === 'migrator'),
      'a migrator problem',
    );
    expect(doc.migrations).toEqual(last.migrations);
    stream.close();
  });
});
