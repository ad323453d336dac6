import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  freePort,
  startBundle,
  startRedis,
  waitFor,
  type RunningBundle,
  type RedisServer,
} from '@fig/testing';
import { steps } from './support/frontend-parity';

/**
 * Stage 2 with the real processes and the shipped presets: first the parallel
 * run (the monolith answers, store-svc is asked too and agrees), then the
 * move (store-svc answers through the transcoder, exactly as the monolith would).
 */

const root = path.resolve(__dirname, '../..');
const preset = (name: string) => path.join(root, 'apps/gateway/routes', `${name}.yaml`);

describe('stage 2 through the gateway', () => {
  let redis: RedisServer;
  const services: RunningBundle[] = [];
  let monolith: string;
  let storeAddr: string;

  async function start(app: string, env: Record<string, string>, port?: number) {
    const service = await startBundle(app, {
      env: { ACCESS_LOG: 'false', ...env, ...(port ? { PORT: String(port) } : {}) },
    });
    services.push(service);
    return { url: service.base, ops: service.ops };
  }

  const gateway = (routes: string) =>
    start('gateway', {
      GATEWAY_ROUTES: preset(routes),
      MONOLITH_URL: monolith,
      STORE_ADDR: storeAddr,
      REDIS_URL: redis.url,
    });

  beforeAll(async () => {
    redis = await startRedis();
    const storePort = await freePort();
    storeAddr = `ipv4:127.0.0.1:${storePort}`;
    [{ url: monolith }] = await Promise.all([
      start('monolith', { REDIS_URL: redis.url }),
      start('store-svc', { REDIS_URL: redis.url }, storePort),
    ]);
    for (let i = 0; i < 3; i++) {
      await fetch(`${monolith}/api/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ author: 'seed', text: `seeded entry ${i}` }),
      });
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await redis?.dispose();
  });

  it('mirrors reads to store-svc while the monolith answers, and counts them as matches', async () => {
    const gw = await gateway('stage-2a-mirror-reads');
    for (const path of ['/api/entries', '/api/entries?limit=2', '/api/stats']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.headers.get('x-fig-served-by')).toMatch(/^monolith\//);
    }
    const matches = async () => {
      const text = await (await fetch(`${gw.ops}/metrics`)).text();
      return [...text.matchAll(/^gateway_shadow_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)];
    };
    await waitFor(
      async () =>
        (await matches())
          .filter(([, r]) => r === 'match')
          .reduce((n, [, , v]) => n + Number(v), 0) === 3,
      {
        what: 'three shadow matches',
      },
    );
    expect((await matches()).filter(([, r]) => r !== 'match')).toEqual([]);
  });

  it("then serves the API from store-svc by transcoding, with the monolith's exact JSON", async () => {
    const gw = await gateway('stage-2-store');
    for (const path of [
      '/api/entries',
      '/api/entries?limit=2',
      '/api/entries?limit=0',
      '/api/stats',
    ]) {
      const [viaGateway, direct] = await Promise.all([
        fetch(`${gw.url}${path}`),
        fetch(`${monolith}${path}`),
      ]);
      expect(viaGateway.headers.get('x-fig-served-by')).toBe('store-svc/transcode');
      expect({ status: viaGateway.status, body: await viaGateway.text() }).toEqual({
        status: direct.status,
        body: await direct.text(),
      });
    }
    const key = randomUUID();
    const post = (base: string) =>
      fetch(`${base}/api/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ author: 'Grace', text: 'a wonderful extraction' }),
      });
    const created = await post(gw.url);
    expect(created.status).toBe(201);
    const entry = await created.text();
    expect(JSON.parse(entry)).toMatchObject({ author: 'Grace', sentiment: { label: 'positive' } });
    const repeat = await post(monolith);
    expect({ status: repeat.status, body: await repeat.text() }).toEqual({
      status: 200,
      body: entry,
    });
  });

  it('refuses bad bodies through the transcoder exactly as the monolith does (one API on every stage)', async () => {
    const gw = await gateway('stage-2-store');
    // The refusals among the parity steps: encodings, charsets, bytes, texts.
    const refusals = steps.filter(
      (s) => s.method === 'POST' && s.path === '/api/entries' && !s.headers?.['idempotency-key'],
    );
    const different: string[] = [];
    for (const step of refusals) {
      const init = { method: 'POST', headers: step.headers ?? {}, body: step.body ?? '' };
      // The preset rate-limits writes (20/s): a refusal is only compared once past it.
      let viaGateway = await fetch(`${gw.url}/api/entries`, init);
      for (let wait = 0; viaGateway.status === 429 && wait < 5; wait++) {
        await viaGateway.text();
        await new Promise((r) => setTimeout(r, 1_000));
        viaGateway = await fetch(`${gw.url}/api/entries`, init);
      }
      const direct = await fetch(`${monolith}/api/entries`, init);
      const [a, b] = [
        `${viaGateway.status} ${await viaGateway.text()}`,
        `${direct.status} ${await direct.text()}`,
      ];
      if ((direct.status >= 400 || viaGateway.status >= 400) && a !== b)
        different.push(`${step.name}: ${a} vs ${b}`);
    }
    expect(different).toEqual([]);
  });
});
