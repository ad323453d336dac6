import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  startProcess,
  startRedis,
  waitFor,
  type ManagedProcess,
  type RedisServer,
} from '@fig/testing';

/**
 * A rolling update of stage 3 under steady load loses no request and no
 * acknowledged write. Each store-svc and frontend replica in turn gets SIGTERM,
 * drains with the shutdown settings its Deployment uses, and is replaced on its
 * port; the next one goes only once the new one is ready and in use, as a
 * Deployment with maxUnavailable 0 and minReadySeconds would proceed.
 */

const root = path.resolve(__dirname, '../..');
const bundle = (app: string, file = 'main.js') => path.join(root, 'dist/apps', app, file);

/** True when nothing listens on 127.0.0.1:port. */
const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/**
 * `count` service ports whose ops ports all sit at one offset above them, as
 * the gateway's active health checks expect (8082 → 9082 in the standard layout).
 */
async function portsAtOneOffset(count: number): Promise<{ ports: number[]; offset: number }> {
  for (;;) {
    const [first, ops] = [await freePort(), await freePort()];
    const offset = ops - first;
    const ports = [first];
    while (ports.length < count) {
      const port = await freePort();
      if (!ports.includes(port) && port + offset < 65536 && (await isFree(port + offset)))
        ports.push(port);
    }
    if (offset !== 0) return { ports, offset };
  }
}

interface Replica {
  app: string;
  port: number;
  ops: number;
  env: Record<string, string>;
  proc?: ManagedProcess;
}

async function start(replica: Replica) {
  replica.proc = await startProcess({
    args: ['--import', bundle(replica.app, 'instrument.js'), bundle(replica.app)],
    env: {
      PORT: String(replica.port),
      OPS_PORT: String(replica.ops),
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
      ...replica.env,
    },
    readyUrl: `http://127.0.0.1:${replica.ops}/readyz`,
    readyTimeoutMs: 15_000,
  });
}

async function handled(replica: Replica, method: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${replica.ops}/metrics`)).text();
  const pattern = new RegExp(
    `^grpc_server_handled_total\\{[^}]*grpc_method="${method}"[^}]*\\} (\\d+)`,
    'gm',
  );
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('a rolling update of stage 3 under load', () => {
  let redis: RedisServer;
  const replicas: Replica[] = [];
  let gateway: Replica;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis();
    const { ports, offset } = await portsAtOneOffset(4);
    const [monolithPort, frontendA, frontendB, gatewayPort] = ports as [
      number,
      number,
      number,
      number,
    ];
    const [storeA, storeB] = [await freePort(), await freePort()];
    const storeAddr = `ipv4:127.0.0.1:${storeA},127.0.0.1:${storeB}`;
    // The shutdown settings of the Deployments in k8s/base.
    const drain = { SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '10000' };

    const monolith: Replica = {
      app: 'monolith',
      port: monolithPort,
      ops: monolithPort + offset,
      env: { REDIS_URL: redis.url, ...drain },
    };
    const stores = [storeA, storeB].map(async (port) => ({
      app: 'store-svc',
      port,
      ops: await freePort(),
      // Clients leave a draining store-svc on its GOAWAY, not through an
      // endpoint list, so a short delay is enough here.
      env: { REDIS_URL: redis.url, SHUTDOWN_DELAY_MS: '300', SHUTDOWN_TIMEOUT_MS: '10000' },
    }));
    replicas.push(monolith, ...(await Promise.all(stores)));
    for (const port of [frontendA, frontendB]) {
      replicas.push({
        app: 'frontend',
        port,
        ops: port + offset,
        env: { STORE_ADDR: storeAddr, MONOLITH_URL: `http://127.0.0.1:${monolithPort}`, ...drain },
      });
    }
    gateway = {
      app: 'gateway',
      port: gatewayPort,
      ops: gatewayPort + offset,
      env: {
        GATEWAY_ROUTES: path.join(root, 'apps/gateway/routes/stage-3-frontend.yaml'),
        FRONTEND_URL: `http://127.0.0.1:${frontendA},http://127.0.0.1:${frontendB}`,
        MONOLITH_URL: `http://127.0.0.1:${monolithPort}`,
        REDIS_URL: redis.url,
        GATEWAY_ACTIVE_HEALTH_CHECKS: 'true',
        UPSTREAM_OPS_PORT_OFFSET: String(offset),
      },
    };
    await Promise.all(replicas.map(start));
    await start(gateway);
    base = `http://127.0.0.1:${gatewayPort}`;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gateway, ...replicas].map((r) => r.proc?.kill()));
    await redis?.dispose();
  });

  /** The gateway routes to this frontend again: healthy by its checks, and not ejected. */
  const inRotation = async (replica: Replica) => {
    const { upstreams } = (await (
      await fetch(`http://127.0.0.1:${gateway.ops}/gateway/upstreams`)
    ).json()) as {
      upstreams: {
        name: string;
        endpoints: { url: string; healthy: boolean; ejected: boolean }[];
      }[];
    };
    const endpoint = upstreams
      .find((u) => u.name === 'frontend')!
      .endpoints.find((e) => e.url === `http://127.0.0.1:${replica.port}`)!;
    return endpoint.healthy && !endpoint.ejected;
  };

  /** SIGTERM, a clean exit, a new process on the same port, ready and taking traffic. */
  async function roll(replica: Replica) {
    const old = replica.proc!;
    old.signal('SIGTERM');
    expect(await old.exited).toBe(0);
    await start(replica);
    if (replica.app === 'frontend') {
      await waitFor(() => inRotation(replica), {
        what: 'the gateway to use the new frontend',
        timeoutMs: 10_000,
      });
    } else {
      const before = await handled(replica, 'ListEntries');
      await waitFor(async () => (await handled(replica, 'ListEntries')) > before, {
        what: 'the new store-svc to serve reads',
        timeoutMs: 10_000,
      });
      // grpc-js reconnects after a backoff of about a second; give every client one.
      await sleep(2_000);
    }
  }

  it('loses no request and no acknowledged write while every store-svc and frontend restarts', async () => {
    const failures: string[] = [];
    const acknowledged: string[] = [];
    let requests = 0;
    let stop = false;

    const check = async (what: string, res: Promise<Response>, ok: number[]) => {
      requests++;
      try {
        const answer = await res;
        const body = await answer.text();
        if (!ok.includes(answer.status))
          failures.push(`${what} → ${answer.status} ${body.slice(0, 200)}`);
        return { status: answer.status, body };
      } catch (err) {
        failures.push(`${what} → ${(err as Error).message}`);
        return undefined;
      }
    };
    const reader = async (paths: string[]) => {
      for (let i = 0; !stop; i++) {
        const p = paths[i % paths.length]!;
        await check(`GET ${p}`, fetch(`${base}${p}`), [200]);
      }
    };
    // Ten writes a second, under the preset's limit of twenty per client.
    const writer = async () => {
      while (!stop) {
        const sent = check(
          'POST /api/entries',
          fetch(`${base}/api/entries`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify({ author: 'Rolling', text: `still here ${acknowledged.length}` }),
          }),
          [201],
        );
        const [answer] = await Promise.all([sent, sleep(100)]);
        if (answer?.status === 201)
          acknowledged.push((JSON.parse(answer.body) as { id: string }).id);
      }
    };

    const load = Promise.all([
      reader(['/api/entries?limit=5', '/api/stats']),
      reader(['/', '/api/entries?limit=20']),
      reader(['/api/stats', '/']),
      writer(),
    ]);
    try {
      await sleep(500);
      for (const replica of replicas.filter((r) => r.app === 'store-svc')) await roll(replica);
      for (const replica of replicas.filter((r) => r.app === 'frontend')) await roll(replica);
      await sleep(500);
    } finally {
      stop = true;
      await load;
    }

    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(300);
    expect(acknowledged.length).toBeGreaterThan(50);

    // Every acknowledged entry is there, read back page by page.
    const listed = new Set<string>();
    let cursor = '';
    do {
      const page = (await (
        await fetch(`${base}/api/entries?limit=50${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as { entries: { id: string }[]; nextCursor: string | null };
      for (const entry of page.entries) listed.add(entry.id);
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(acknowledged.filter((id) => !listed.has(id))).toEqual([]);
  }, 120_000);
});
