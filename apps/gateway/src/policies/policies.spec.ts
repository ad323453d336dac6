import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { connectRedis, type RedisClient } from '@fig/redis';
import { startAll, startRedis, type RedisServer } from '@fig/testing';
import {
  get,
  metricValue,
  namedUpstream,
  send,
  serve,
  silentLogger,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const token = (claims: Record<string, unknown>, key = secret) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('fig')
    .setSubject('user-1')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(key));

describe('access control', () => {
  let up: TestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await namedUpstream('up');
    gw = await startGateway(
      `
version: 1
auth:
  apiKeys:
    - { id: writer, sha256: ${sha256('writer-key')}, scopes: [entries:write] }
    - { id: reader, sha256: ${sha256('reader-key')}, scopes: [] }
  jwt: { secret: "\${JWT_SECRET}", issuer: fig }
upstreams:
  up: { endpoints: ["${up.url}"] }
routes:
  - name: write
    match: { methods: [POST], path: /api/entries }
    proxy: { upstream: up }
    auth: { accept: [apiKey, jwt], scopes: [entries:write] }
  - name: legacy
    match: { methods: [POST], path: /api/legacy }
    proxy: { upstream: up }
    auth: { accept: [jwt], allowTokensWithoutExpiry: true }
  - name: open
    match: { prefix: / }
    proxy: { upstream: up }
`,
      { env: { JWT_SECRET: secret } },
    );
  });

  afterAll(async () => {
    await Promise.allSettled([gw?.close(), up?.close()]);
  });

  const post = (headers: Record<string, string>) =>
    send(`${gw.url}/api/entries`, 'POST', '{}', headers);

  it('refuses a path that would reach the guarded route through the open one', async () => {
    // undici and fetch resolve dot segments before sending; node:http sends the path as given.
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(gw.url);
        httpRequest({ hostname, port, path, method: 'POST' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        })
          .on('error', reject)
          .end('{}');
      });
    let reached = 0;
    up.server.on('request', () => reached++);
    for (const path of [
      '/x/../api/entries',
      '//api/entries',
      '/api/%65ntries',
      '/api/entries/',
      '/API/entries',
      '/api/Entries',
      '/api/entries;x',
      '/api/entries#x',
      '/api/entries%2F',
    ]) {
      const res = await raw(path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'INVALID_PATH' } });
    }
    expect(reached).toBe(0);
  });

  it('answers 401 with a coded body and a challenge when no credential is sent', async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 for an unknown API key or a token signed with another key', async () => {
    expect((await post({ 'x-api-key': 'guess' })).status).toBe(401);
    expect(
      (
        await post({
          authorization: `Bearer ${await token({ scope: 'entries:write' }, 'x'.repeat(40))}`,
        })
      ).status,
    ).toBe(401);
  });

  it('refuses a token without an expiry unless the route allows it', async () => {
    const forever = await new SignJWT({ scope: 'entries:write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('fig')
      .setSubject('user-1')
      .sign(new TextEncoder().encode(secret));
    expect((await post({ authorization: `Bearer ${forever}` })).status).toBe(401);
    const legacy = await send(`${gw.url}/api/legacy`, 'POST', '{}', {
      authorization: `Bearer ${forever}`,
    });
    expect(legacy.status).toBe(200);
  });

  it('answers 403 with a coded body when the credential lacks the scope', async () => {
    const byKey = await post({ 'x-api-key': 'reader-key' });
    expect(byKey.status).toBe(403);
    expect(JSON.parse(byKey.text)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      (await post({ authorization: `Bearer ${await token({ scope: 'other' })}` })).status,
    ).toBe(403);
  });

  it('lets a key or a token with the scope through, and leaves open routes open', async () => {
    expect((await post({ 'x-api-key': 'writer-key' })).status).toBe(200);
    expect(
      (
        await post({
          authorization: `Bearer ${await token({ scope: 'entries:read entries:write' })}`,
        })
      ).status,
    ).toBe(200);
    expect((await get(`${gw.url}/api/entries`)).status).toBe(200);
    expect(
      await metricValue(gw.registry, 'gateway_auth_failures_total', {
        route: 'write',
        code: 'FORBIDDEN',
      }),
    ).toBe(2);
  });
});

describe('access control with a JWKS URL (asymmetric keys)', () => {
  it('accepts tokens signed by a published key and refuses others', async () => {
    const [published, impostor] = await Promise.all([
      generateKeyPair('ES256'),
      generateKeyPair('ES256'),
    ]);
    const jwks = { keys: [{ ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256' }] };
    let fetched = 0;
    const keys = await serve((_req, res) => {
      fetched++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    const up = await namedUpstream('up');
    const gw = await startGateway(`
version: 1
auth:
  jwt: { jwksUrl: "${keys.url}/.well-known/jwks.json", issuer: fig }
upstreams:
  up: { endpoints: ["${up.url}"] }
routes:
  - name: write
    match: { methods: [POST], path: /api/entries }
    proxy: { upstream: up }
    auth: { accept: [jwt], scopes: [entries:write] }
`);
    const signed = (key: typeof published.privateKey, scope: string) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('fig')
        .setSubject('user-2')
        .setExpirationTime('5m')
        .sign(key);
    const post = async (jwt: string) =>
      (await send(`${gw.url}/api/entries`, 'POST', '{}', { authorization: `Bearer ${jwt}` }))
        .status;
    try {
      expect(await post(await signed(published.privateKey, 'entries:write'))).toBe(200);
      expect(await post(await signed(impostor.privateKey, 'entries:write'))).toBe(401);
      expect(await post(await signed(published.privateKey, 'entries:read'))).toBe(403);
      // HS256 with the public key's bytes as the secret: the classic confusion attack.
      const confused = await new SignJWT({ scope: 'entries:write' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setIssuer('fig')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
      expect(await post(confused)).toBe(401);
      expect(fetched).toBeGreaterThanOrEqual(1);
    } finally {
      await gw.close();
      await Promise.all([up.close(), keys.close()]);
    }
  });
});

describe('rate limiting', () => {
  let redis: RedisServer;
  let client: RedisClient;
  let up: TestServer;
  const routes = (url: string) => `
version: 1
upstreams:
  up: { endpoints: ["${url}"] }
routes:
  - { name: limited, match: { prefix: / }, proxy: { upstream: up }, rateLimit: { requests: 5, windowSeconds: 3600 } }
`;

  beforeAll(async () => {
    [redis, up] = await startAll(startRedis(), namedUpstream('up'));
    client = await connectRedis({ url: redis.url, logger: silentLogger, name: 'gateway-test' });
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await Promise.allSettled([redis?.dispose(), up?.close()]);
  });

  // An hour-long window, so that a test never straddles a window boundary.
  it('shares one budget across replicas through Redis and answers 429 with Retry-After', async () => {
    const [one, two] = await Promise.all([
      startGateway(routes(up.url), { redis: client }),
      startGateway(routes(up.url), { redis: client }),
    ]);
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(i % 2 ? one.url : two.url)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await get(one.url);
      expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(3600);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('keeps serving with local counts when Redis is unreachable, and counts the fallback', async () => {
    const gw = await startGateway(routes(up.url), { redis: client });
    await redis.stop();
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(gw.url)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect(await metricValue(gw.registry, 'gateway_rate_limit_fallback_total', {})).toBe(6);
    } finally {
      await gw.close();
      await redis.start();
    }
  });
});
