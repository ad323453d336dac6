import path from 'node:path';
import { createModel, evaluationSet } from '@fig/sentiment';
import { startBundle, startRedis, waitFor, type RedisServer } from '@fig/testing';
import type { Service } from './support/frontend-topology';
import { root } from './support/local-stage';
import { grpcTarget, killAll, metricSum } from './support/services';

const rollout = (file: string) => path.join(root, 'apps/gateway/routes/model-rollout', file);

interface Sentiment {
  label: string;
  score: number;
  model: string;
}

async function score(gateway: Service, text: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.base}/api/sentiment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ text }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Sentiment;
}

/** Posts an entry; the preset's rate limit (20 a second) is waited out as its Retry-After asks. */
async function write(gateway: Service, text: string, headers: Record<string, string> = {}) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${gateway.base}/api/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ author: 'Rollout', text }),
    });
    if (res.status === 429 && attempt < 3) {
      await res.body?.cancel();
      const seconds = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      continue;
    }
    expect(res.status).toBe(201);
    return ((await res.json()) as { sentiment: Sentiment | null }).sentiment;
  }
}

/**
 * Rolling out model v2 at stage 4 with the gateway's model rollout presets:
 * model-svc v1 and v2 side by side (real Python processes), a weighted
 * canary, a header/cookie A/B, and v2 as a shadow of v1 counting the labels
 * it would change.
 */
describe('stage 4: rolling out model v2 beside v1 (apps/gateway/routes/model-rollout)', () => {
  let redis: RedisServer;
  let services: Service[] = [];
  const gateways: Record<'canary' | 'ab' | 'mirror', Service> = {} as never;

  beforeAll(async () => {
    redis = await startRedis();
    const [store, v1, v2] = await Promise.all([
      startBundle('store-svc', { env: { REDIS_URL: redis.url } }),
      startBundle('model-svc', { env: { MODEL_VERSION: 'v1' } }),
      startBundle('model-svc', { env: { MODEL_VERSION: 'v2' } }),
    ]);
    services = [store, v1, v2];
    const frontend = await startBundle('frontend', {
      env: { STORE_ADDR: grpcTarget(store), MODEL_ADDR: grpcTarget(v1) },
    });
    services.push(frontend);
    const env = {
      FRONTEND_URL: frontend.base,
      STORE_ADDR: grpcTarget(store),
      MODEL_ADDR: grpcTarget(v1),
      MODEL_V2_ADDR: grpcTarget(v2),
    };
    const started = await Promise.all(
      (
        [
          ['canary', 'canary-v2.yaml', { MODEL_V1_WEIGHT: '50', MODEL_V2_WEIGHT: '50' }],
          ['ab', 'ab-v2.yaml', {}],
          ['mirror', 'mirror-v2.yaml', {}],
        ] as const
      ).map(async ([name, file, extra]) => {
        const gateway = await startBundle('gateway', {
          env: { ...env, ...extra, GATEWAY_ROUTES: rollout(file) },
        });
        gateways[name] = gateway;
        return gateway;
      }),
    );
    services.push(...started);
  }, 180_000);
  afterAll(async () => {
    await killAll(services);
    await redis?.dispose();
  });

  it('canary: model calls are split between v1 and v2 by weight, for scores and for new entries', async () => {
    const versions = new Set<string>();
    for (let i = 0; i < 40; i++)
      versions.add((await score(gateways.canary, `a lovely day ${i}`)).model);
    // 50/50 over 40 calls: both show up (the chance one does not is 2 in 10^12).
    expect([...versions].sort()).toEqual(['v1', 'v2']);
    const written = new Set<string>();
    for (let i = 0; i < 40; i++)
      written.add((await write(gateways.canary, `a lovely entry ${i}`))?.model ?? 'unscored');
    expect([...written].sort()).toEqual(['v1', 'v2']);
  });

  it('A/B: the x-fig-model: v2 header or the fig-model=v2 cookie gets v2, everyone else v1', async () => {
    expect((await score(gateways.ab, 'hello there')).model).toBe('v1');
    expect((await score(gateways.ab, 'hello there', { 'x-fig-model': 'v2' })).model).toBe('v2');
    expect((await score(gateways.ab, 'hello there', { cookie: 'fig-model=v2' })).model).toBe('v2');
    expect((await write(gateways.ab, 'a happy entry', { 'x-fig-model': 'v2' }))?.model).toBe('v2');
    expect((await write(gateways.ab, 'a happy entry'))?.model).toBe('v1');
  });

  it('mirror: v1 answers, v2 scores the same texts off the path, and the labels v2 would change are counted', async () => {
    for (const { text } of evaluationSet)
      expect((await score(gateways.mirror, text)).model).toBe('v1');
    await waitFor(
      async () =>
        (await metricSum(gateways.mirror, 'gateway_shadow_total', { route: 'sentiment' })) ===
        evaluationSet.length,
      { what: 'every mirrored text to be judged', timeoutMs: 15_000 },
    );
    // The Python models label the evaluation set as the TypeScript ones do
    // (ADR 0403), so libs/sentiment says how many labels v2 changes.
    const v1 = createModel('v1');
    const v2 = createModel('v2');
    const changed = evaluationSet.filter(
      ({ text }) => v1.score(text).label !== v2.score(text).label,
    );
    const labels = await metricSum(gateways.mirror, 'gateway_shadow_differences_total', {
      route: 'sentiment',
      field: 'label',
    });
    process.stdout.write(
      `v2 against v1 over ${evaluationSet.length} texts: ${labels} labels differ\n`,
    );
    expect(changed.length).toBeGreaterThan(0);
    expect(labels).toBe(changed.length);
    expect(
      await metricSum(gateways.mirror, 'gateway_shadow_differences_total', { field: 'model' }),
    ).toBe(0);
  });
});
