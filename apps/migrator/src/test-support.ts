import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRoute } from '@fig/migration';
import { closeAtEnd, startBundle, waitFor, type RunningBundle } from '@fig/testing';

/**
 * How the candidate behaves. `broken` and `slow` misbehave only for real
 * clients (requests without the mirror's x-fig-shadow header), so they pass
 * the parallel run and show their fault once a weight step exposes them.
 */
export type CandidateMode = 'faithful' | 'different' | 'broken' | 'slow';

async function serve(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAtEnd(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

/** The answer both sides owe: it depends on the request, so a comparison means something. */
const answer = (url: string) => ({ items: [url.length, url.split('?')[1] ?? ''] });

export async function startUpstreams(mode: CandidateMode) {
  const current = await serve((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer(req.url!)));
  });
  const candidate = await serve((req, res) => {
    const real = req.headers['x-fig-shadow'] === undefined;
    res.setHeader('content-type', 'application/json');
    if (mode === 'broken' && real) {
      res.statusCode = 500;
      return res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'planted' } }));
    }
    const body = answer(req.url!);
    if (mode === 'different') body.items[0] = -1;
    const send = () => res.end(JSON.stringify(body));
    if (mode === 'slow' && real) setTimeout(send, 150);
    else send();
  });
  return { current: current.url, candidate: candidate.url };
}

export const routeFile = (current: string, candidate: string) => `version: 1
upstreams:
  current: { version: v1, endpoints: ['${current}'] }
  candidate: { version: v2, endpoints: ['${candidate}'] }
routes:
  # The route the migrations drive.
  - name: items
    match: { methods: [GET], prefix: /api/items }
    proxy: { upstream: current }
  - name: rest
    match: { prefix: / }
    proxy: { upstream: current }
`;

export const migrationFile = (extra = '') => `version: 1
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
      p99: { maxRatio: 2, toleranceMs: 40 }
${extra}`;

export interface MigrationView {
  route: string;
  state: string;
  step: { index: number; name: string; percent: number };
  gates: { name: string; value: number | null; threshold: number; ok: boolean }[];
  history: { at: string; from: string; to: string; state: string; reason: string }[];
  reason: string;
}

/** A gateway serving a route file, the migrator driving it, and the two upstreams. */
export async function startScenario(mode: CandidateMode, migrations = migrationFile()) {
  const dir = await mkdtemp(join(tmpdir(), 'fig-migrator-'));
  const routes = join(dir, 'routes.yaml');
  const spec = join(dir, 'migrations.yaml');
  const state = join(dir, 'state.json');
  const { current, candidate } = await startUpstreams(mode);
  await writeFile(routes, routeFile(current, candidate));
  await writeFile(spec, migrations);
  const gateway = await startBundle('gateway', {
    env: { GATEWAY_ROUTES: routes, ACCESS_LOG: 'false' },
  });
  const migrator = await startBundle('migrator', {
    env: {
      MIGRATIONS: spec,
      GATEWAY_OPS_URLS: gateway.ops,
      GATEWAY_ROUTES: routes,
      MIGRATOR_STATE: state,
      LOG_LEVEL: 'info',
    },
  });
  return new Scenario(gateway, migrator, routes);
}

export class Scenario {
  constructor(
    readonly gateway: RunningBundle,
    readonly migrator: RunningBundle,
    readonly routes: string,
  ) {}

  async migration(): Promise<MigrationView> {
    const res = await fetch(`${this.migrator.base}/migrations`);
    return ((await res.json()) as { migrations: MigrationView[] }).migrations[0]!;
  }

  async control(action: string, route = 'items') {
    const res = await fetch(`${this.migrator.base}/migrations/${route}/${action}`, {
      method: 'POST',
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async route() {
    return readRoute(await readFile(this.routes, 'utf8'), 'items')!;
  }

  /** Waits (up to timeoutMs) for the migration to satisfy `ok`. */
  until(ok: (m: MigrationView) => boolean, what: string, timeoutMs = 30_000) {
    return waitFor(
      async () => {
        const m = await this.migration();
        return ok(m) ? m : undefined;
      },
      { timeoutMs, intervalMs: 100, what },
    );
  }

  async metric(name: string, labels: Record<string, string>) {
    const text = await (await fetch(`${this.migrator.ops}/metrics`)).text();
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }
}

export interface Sent {
  at: number;
  status: number;
}

/** Steady client traffic on the driven route, recording every answer. */
export function startTraffic(base: string, { clients = 3, pauseMs = 5 } = {}) {
  const sent: Sent[] = [];
  let stopped = false;
  const loop = async (c: number) => {
    for (let i = 0; !stopped; i++) {
      const at = Date.now();
      try {
        const res = await fetch(`${base}/api/items?c=${c}&i=${i}`, {
          signal: AbortSignal.timeout(5_000),
        });
        await res.arrayBuffer();
        sent.push({ at, status: res.status });
      } catch {
        sent.push({ at, status: 0 });
      }
      await sleep(pauseMs);
    }
  };
  const loops = Array.from({ length: clients }, (_, c) => loop(c));
  return {
    sent,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
