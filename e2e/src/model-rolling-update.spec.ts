import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startBundle, startRedis, waitFor, type RedisServer } from '@fig/testing';
import type { Service } from './support/frontend-topology';
import { grpcTarget, handledCalls, killAll, presetPath } from './support/services';

interface Outcome {
  what: string;
  status?: number;
  model?: string | null;
  error?: string;
  /** The coded error a failed answer carried, to say why in the failure. */
  reason?: string;
}

/**
 * Steady scoring through the gateway at stage 4: `/api/sentiment` (transcoded
 * to Score) and JSON writes (scored by the gateway), each answer recorded. A request that fails, or an entry
 * saved unscored, is a lost request here: model-svc was never all away.
 */
function startScoringLoad(base: string) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const json = { 'content-type': 'application/json' };
  const once = async (
    what: string,
    init: RequestInit,
    path: string,
    pick: (b: unknown) => unknown,
  ) => {
    const outcome: Outcome = { what };
    try {
      const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
      outcome.status = res.status;
      const body = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
      outcome.model = (pick(body) as string | null | undefined) ?? null;
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (error) outcome.reason = `${error.code}: ${error.message}`;
    } catch (err) {
      outcome.error = (err as Error).message;
    }
    outcomes.push(outcome);
  };
  const scorer = async (n: number) => {
    for (let i = 0; !stopped; i++)
      await once(
        'score',
        { method: 'POST', headers: json, body: JSON.stringify({ text: `a lovely day ${n}-${i}` }) },
        '/api/sentiment',
        (b) => (b as { model?: string } | undefined)?.model,
      );
  };
  // Ten writes a second, under the preset's limit of twenty.
  const writer = async () => {
    for (let i = 0; !stopped; i++) {
      await once(
        'write',
        {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ author: 'Load', text: `happy ${i}` }),
        },
        '/api/entries',
        (b) => (b as { sentiment?: { model?: string } | null } | undefined)?.sentiment?.model,
      );
      await sleep(100);
    }
  };
  const workers = [scorer(1), scorer(2), writer()];
  return {
    outcomes,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/**
 * A rolling update of model-svc at stage 4 under load: two replicas behind
 * one gRPC target (round robin), each in turn gets SIGTERM, drains with the
 * Deployment's shutdown settings and comes back on its port; the next goes
 * only once the new one serves. Score is pure, so a call that meets a replica
 * on its way out is retried on the other (libs/model-client, ADR 0405).
 */
describe('a rolling update of model-svc under load (stage 4)', () => {
  let redis: RedisServer;
  let models: Service[] = [];
  let others: Service[] = [];
  let gateway: Service;

  beforeAll(async () => {
    redis = await startRedis();
    const drain = { SHUTDOWN_DELAY_MS: '2000', SHUTDOWN_TIMEOUT_MS: '5000' };
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const [store, ...started] = await Promise.all([
      startBundle('store-svc', { env: { REDIS_URL: redis.url } }),
      startBundle('model-svc', {
        env: { ...drain, PORT: String(ports[0]), OPS_PORT: String(ports[1]) },
      }),
      startBundle('model-svc', {
        env: { ...drain, PORT: String(ports[2]), OPS_PORT: String(ports[3]) },
      }),
    ]);
    models = started;
    const modelAddr = `ipv4:${models.map((m) => `127.0.0.1:${m.port}`).join(',')}`;
    const frontend = await startBundle('frontend', {
      env: { STORE_ADDR: grpcTarget(store!), MODEL_ADDR: modelAddr },
    });
    gateway = await startBundle('gateway', {
      env: {
        GATEWAY_ROUTES: presetPath('stage-4-model'),
        FRONTEND_URL: frontend.base,
        STORE_ADDR: grpcTarget(store!),
        MODEL_ADDR: modelAddr,
        REDIS_URL: redis.url,
      },
    });
    others = [store!, frontend, gateway];
  }, 180_000);
  afterAll(async () => {
    await killAll([...models, ...others]);
    await redis?.dispose();
  });

  it('loses no request and saves no entry unscored while each model-svc replica restarts', async () => {
    const load = startScoringLoad(gateway.base);
    try {
      await sleep(500);
      for (const model of models) {
        expect(await model.restart()).toBe(0);
        const before = await handledCalls(model, 'Score');
        await waitFor(async () => (await handledCalls(model, 'Score')) > before, {
          what: 'the new model-svc to score',
          timeoutMs: 15_000,
          intervalMs: 100,
        });
      }
      await sleep(500);
    } finally {
      await load.stop();
    }
    const lost = load.outcomes.filter(
      (o) => o.status !== (o.what === 'write' ? 201 : 200) || o.model !== 'v1',
    );
    expect(lost).toEqual([]);
    expect(load.outcomes.filter((o) => o.what === 'score').length).toBeGreaterThan(100);
    expect(load.outcomes.filter((o) => o.what === 'write').length).toBeGreaterThan(10);
  }, 120_000);
});
