import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  isPortFree,
  startBundle,
  startRedis,
  waitFor,
  type RedisServer,
} from '@fig/testing';
import type { Service } from './support/frontend-topology';
import { describeOutcome, startLoad, succeeded } from './support/load';
import { allEntries, complaints, handledCalls, killAll, stage3Routes } from './support/services';

/**
 * A rolling update of stage 3 under steady load loses no request and no
 * acknowledged write. Each store-svc, frontend and monolith replica in turn gets SIGTERM,
 * drains with the shutdown settings its Deployment uses, and is replaced on its
 * port; the next one goes only once the new one is ready and in use, as a
 * Deployment with maxUnavailable 0 and minReadySeconds would proceed.
 */

/**
 * Service ports whose ops ports sit 1000 above them, as in the standard
 * layout (8082 → 9082) and as the gateway's active health checks expect, plus
 * `extra` ports of any kind; all distinct, since none is bound until its
 * process starts.
 */
const offset = 1_000;
async function allocatePorts(count: number, extra: number) {
  const taken = new Set<number>();
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (taken.has(port) || taken.has(port + offset) || !(await isPortFree(port + offset))) continue;
    ports.push(port);
    taken.add(port).add(port + offset);
  }
  const others: number[] = [];
  while (others.length < extra) {
    const port = await freePort();
    if (taken.has(port)) continue;
    others.push(port);
    taken.add(port);
  }
  return { ports, others };
}

describe('a rolling update of stage 3 under load', () => {
  let redis: RedisServer;
  let stores: Service[];
  let frontends: Service[];
  let monolith: Service;
  let gateway: Service;

  beforeAll(async () => {
    redis = await startRedis();
    const { ports, others } = await allocatePorts(4, 4);
    const [monolithPort, frontendA, frontendB, gatewayPort] = ports as [
      number,
      number,
      number,
      number,
    ];
    const [storeA, opsA, storeB, opsB] = others as [number, number, number, number];
    // The shutdown settings of the Deployments in k8s/base.
    const drain = { SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '10000' };
    const at = (port: number) => ({ PORT: String(port), OPS_PORT: String(port + offset) });

    const storeEnv = { REDIS_URL: redis.url, ...drain };
    [monolith, ...stores] = await Promise.all([
      startBundle('monolith', { env: { REDIS_URL: redis.url, ...drain, ...at(monolithPort) } }),
      startBundle('store-svc', {
        env: { ...storeEnv, PORT: String(storeA), OPS_PORT: String(opsA) },
      }),
      startBundle('store-svc', {
        env: { ...storeEnv, PORT: String(storeB), OPS_PORT: String(opsB) },
      }),
    ]);
    const frontendEnv = {
      STORE_ADDR: `ipv4:${stores.map((s) => `127.0.0.1:${s.port}`).join(',')}`,
      MONOLITH_URL: monolith.base,
      ...drain,
    };
    frontends = await Promise.all([
      startBundle('frontend', { env: { ...frontendEnv, ...at(frontendA) } }),
      startBundle('frontend', { env: { ...frontendEnv, ...at(frontendB) } }),
    ]);
    gateway = await startBundle('gateway', {
      env: {
        GATEWAY_ROUTES: stage3Routes,
        FRONTEND_URL: frontends.map((f) => f.base).join(','),
        MONOLITH_URL: monolith.base,
        REDIS_URL: redis.url,
        GATEWAY_ACTIVE_HEALTH_CHECKS: 'true',
        UPSTREAM_OPS_PORT_OFFSET: String(offset),
        ...at(gatewayPort),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await killAll([gateway, monolith, ...(stores ?? []), ...(frontends ?? [])].filter(Boolean));
    await redis?.dispose();
  });

  /** The gateway routes to this frontend again: healthy by its checks, and not ejected. */
  const inRotation = async (frontend: Service) => {
    const { upstreams } = (await (await fetch(`${gateway.ops}/gateway/upstreams`)).json()) as {
      upstreams: {
        name: string;
        endpoints: { url: string; healthy: boolean; ejected: boolean }[];
      }[];
    };
    const endpoint = upstreams
      .find((u) => u.name === 'frontend')!
      .endpoints.find((e) => e.url === frontend.base)!;
    return endpoint.healthy && !endpoint.ejected;
  };

  /** When each replica's roll began and ended, to place a failure on the timeline. */
  const rolls: { what: string; from: number; to: number }[] = [];

  /** SIGTERM, a clean exit, a new process on the same port, ready and taking traffic. */
  async function roll(r: Service) {
    const from = Date.now();
    try {
      await rollOne(r);
    } finally {
      rolls.push({ what: `${r.app} :${r.port}`, from, to: Date.now() });
    }
  }

  async function rollOne(r: Service) {
    expect(await r.restart()).toBe(0);
    if (r.app === 'monolith') return;
    if (r.app === 'frontend') {
      await waitFor(() => inRotation(r), {
        what: 'the gateway to use the new frontend',
        timeoutMs: 10_000,
      });
    } else {
      const before = await handledCalls(r, 'ListEntries');
      await waitFor(async () => (await handledCalls(r, 'ListEntries')) > before, {
        what: 'the new store-svc to serve reads',
        timeoutMs: 10_000,
      });
      // grpc-js reconnects after a backoff of about a second; give every client one.
      await sleep(2_000);
    }
  }

  it('loses no request and no acknowledged write while every store-svc, frontend and the monolith restart', async () => {
    const base = gateway.base;
    const load = startLoad(base);
    try {
      await sleep(500);
      for (const store of stores) await roll(store);
      for (const frontend of frontends) await roll(frontend);
      // The monolith has one replica: while it restarts the model is away, and
      // the frontends save writes unscored rather than fail them.
      await roll(monolith);
      await sleep(500);
    } finally {
      await load.stop();
    }

    const failures = load.outcomes.filter((o) => !succeeded(o));
    if (failures.length) {
      const during = (at: number) =>
        rolls.find((r) => r.from <= at && at <= r.to)?.what ?? 'between rolls';
      const timeline = failures.map(
        (o) => `+${o.at - rolls[0]!.from} ms, rolling ${during(o.at)}: ${describeOutcome(o)}`,
      );
      const spans = rolls.map(
        (r) => `${r.what}: +${r.from - rolls[0]!.from}..${r.to - rolls[0]!.from} ms`,
      );
      console.error(
        [...spans, ...timeline, complaints([gateway, ...frontends, ...stores, monolith])].join(
          '\n',
        ),
      );
    }
    expect(failures.map(describeOutcome)).toEqual([]);
    expect(load.outcomes.length).toBeGreaterThan(300);
    const acknowledged = load.writes.filter((w) => w.id).map((w) => w.id!);
    expect(acknowledged.length).toBeGreaterThan(50);
    const listed = new Set((await allEntries(base)).map((e) => e.id));
    expect(acknowledged.filter((id) => !listed.has(id))).toEqual([]);
  }, 120_000);
});
