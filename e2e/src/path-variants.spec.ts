import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { parse } from 'yaml';
import { startBundle, startRedis, type RedisServer, type RunningBundle } from '@fig/testing';
import { root } from './support/local-stage';
import { pathVariants } from './support/path-variants';

/**
 * Every route a preset guards (auth or a rate limit), in every spelling of its
 * path, through every shipped preset (the gateway's own and the copies the
 * k8s stages mount), against the real services behind: no variant may be
 * served. Before the one path rule, POST /api/entries/ and /API/Entries fell
 * through to the catch-all and were served as /api/entries, past the limit.
 */

interface RouteEntry {
  name: string;
  match: { methods?: string[]; path?: string };
  auth?: unknown;
  rateLimit?: unknown;
}

const presetFiles = [
  ...readdirSync(path.join(root, 'apps/gateway/routes')).map((f) =>
    path.join(root, 'apps/gateway/routes', f),
  ),
  // Stage 4's model rollout presets (canary, A/B, shadow of model v2).
  ...readdirSync(path.join(root, 'apps/gateway/routes/model-rollout')).map((f) =>
    path.join(root, 'apps/gateway/routes/model-rollout', f),
  ),
  ...readdirSync(path.join(root, 'k8s/base/gateway/routes'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, 'k8s/base/gateway/routes', d.name, 'routes.yaml')),
].filter((f) => f.endsWith('.yaml'));

const guardedRoutes = (file: string) =>
  (parse(readFileSync(file, 'utf8')) as { routes: RouteEntry[] }).routes.filter(
    (r) => (r.auth || r.rateLimit) && r.match.path,
  );

/** node:http sends the path as given, byte for byte. */
function send(base: string, method: string, target: string, body: string, type: string) {
  const { port } = new URL(base);
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) },
        timeout: 5_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${target}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const entryCount = async (monolith: RunningBundle) =>
  ((await (await fetch(`${monolith.base}/api/stats`)).json()) as { entries: number }).entries;

describe('path variants against route policies, every preset', () => {
  let redis: RedisServer;
  const services: RunningBundle[] = [];
  let monolith: RunningBundle;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    const [m, store, model] = await Promise.all([
      startBundle('monolith', { env: { REDIS_URL: redis.url } }),
      startBundle('store-svc', { env: { REDIS_URL: redis.url } }),
      startBundle('model-svc'),
    ]);
    monolith = m;
    services.push(m, store, model);
    const frontend = await startBundle('frontend', {
      env: {
        STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
        MONOLITH_URL: monolith.base,
      },
    });
    services.push(frontend);
    env = {
      FRONTEND_URL: frontend.base,
      MONOLITH_URL: monolith.base,
      STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
      REDIS_URL: redis.url,
      // One model-svc stands for both versions: only refusals are checked here.
      MODEL_ADDR: `ipv4:127.0.0.1:${model.port}`,
      MODEL_V2_ADDR: `ipv4:127.0.0.1:${model.port}`,
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await redis?.dispose();
  });

  it('finds guarded routes in every preset', () => {
    expect(presetFiles.length).toBeGreaterThanOrEqual(8);
    for (const file of presetFiles)
      expect([file, guardedRoutes(file).length > 0]).toEqual([file, true]);
  });

  it.each(presetFiles.map((f) => [path.relative(root, f), f]))(
    '%s: no variant of a guarded path is served',
    async (_name, file) => {
      const gateway = await startBundle('gateway', { env: { ...env, GATEWAY_ROUTES: file } });
      services.push(gateway);
      try {
        const before = await entryCount(monolith);
        const served: string[] = [];
        for (const route of guardedRoutes(file)) {
          const canonical = route.match.path!;
          const form = canonical === '/entries';
          const body = form ? 'author=Ada&text=variant' : '{"author":"Ada","text":"variant"}';
          const type = form ? 'application/x-www-form-urlencoded' : 'application/json';
          for (const method of route.match.methods ?? ['GET', 'POST']) {
            for (const variant of pathVariants(canonical)) {
              const status = await send(gateway.base, method, variant, body, type);
              if (status < 400 || status >= 500) served.push(`${method} ${variant} → ${status}`);
            }
          }
        }
        expect(served).toEqual([]);
        expect(await entryCount(monolith)).toBe(before);
      } finally {
        await gateway.kill();
      }
    },
    60_000,
  );
});
