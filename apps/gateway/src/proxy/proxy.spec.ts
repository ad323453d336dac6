import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startAll, waitFor } from '@fig/testing';
import {
  client,
  get,
  metricValue,
  namedUpstream,
  serve,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

describe('proxying', () => {
  let a: TestServer;
  let b: TestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    [a, b] = await startAll(namedUpstream('a'), namedUpstream('b'));
    gw = await startGateway(
      `
version: 1
upstreams:
  pair:
    version: v7
    endpoints: ["\${PAIR}"]
  single:
    endpoints: ["${a.url}"]
routes:
  - name: pair
    match: { prefix: /pair }
    proxy: { upstream: pair }
  - name: single
    match: { methods: [GET], prefix: /single }
    proxy: { upstream: single }
`,
      { env: { PAIR: `${a.url},${b.url}` } },
    );
  });

  afterAll(async () => {
    await Promise.allSettled([gw?.close(), a?.close(), b?.close()]);
  });

  it('forwards path and query, and names the upstream and version that served', async () => {
    const res = await get(`${gw.url}/single/x?q=1`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ name: 'a', url: '/single/x?q=1' });
    expect(res.headers['x-fig-served-by']).toBe('single/unversioned');
  });

  it('drops hop-by-hop headers, sets X-Forwarded-* and keeps end-to-end headers', async () => {
    // node:http, because undici will not send a Connection header that lists other headers.
    const seen = await new Promise<Record<string, string>>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/single`, {
        headers: {
          'x-custom': 'kept',
          'x-forwarded-for': '203.0.113.9',
          'x-drop-me': 'gone',
          connection: 'keep-alive, x-drop-me',
          'proxy-authorization': 'secret',
        },
        agent: false,
      });
      req.on('response', async (res) => {
        let body = '';
        for await (const chunk of res) body += chunk;
        resolve(JSON.parse(body).headers);
      });
      req.on('error', reject).end();
    });
    expect(seen['x-custom']).toBe('kept');
    expect(seen['x-drop-me']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(gw.url).host);
    expect(seen.host).toBe(new URL(a.url).host);
  });

  it('keeps a sane request id, makes one otherwise, and returns it', async () => {
    const kept = await get(`${gw.url}/single`, { 'x-request-id': 'abc-123' });
    expect((kept.json().headers as Record<string, string>)['x-request-id']).toBe('abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const made = await get(`${gw.url}/single`, { 'x-request-id': 'bad id with spaces' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('adds security headers to every answer', async () => {
    const res = await get(`${gw.url}/single`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBeDefined();
  });

  it('answers an unmatched request with a coded 404, and a method outside the match too', async () => {
    const res = await get(`${gw.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route' } });
    const post = await request(`${gw.url}/single`, {
      dispatcher: client,
      method: 'POST',
      body: '{}',
    });
    expect(post.statusCode).toBe(404);
    await post.body.dump();
  });

  it('balances round-robin across the endpoints of an upstream', async () => {
    const names = [];
    for (let i = 0; i < 10; i++) names.push((await get(`${gw.url}/pair`)).json().name);
    expect(names.filter((n) => n === 'a')).toHaveLength(5);
    expect(names.filter((n) => n === 'b')).toHaveLength(5);
  });

  it('counts requests per route, upstream and version', async () => {
    const before = await metricValue(gw.registry, 'gateway_requests_total', {
      route: 'pair',
      version: 'v7',
      status_code: '200',
    });
    await get(`${gw.url}/pair`);
    // Counted when the response closes on the server, a moment after the client has it.
    await waitFor(
      async () =>
        (await metricValue(gw.registry, 'gateway_requests_total', {
          route: 'pair',
          version: 'v7',
          status_code: '200',
        })) ===
        before + 1,
    );
  });
});

describe('least-pending balancing', () => {
  it('sends new requests to the endpoint with fewer requests in flight', async () => {
    const held: (() => void)[] = [];
    const slow = await serve((_req, res) => held.push(() => res.end('slow')));
    const fast = await serve((_req, res) => res.end('fast'));
    const gw = await startGateway(`
version: 1
upstreams:
  u: { endpoints: ["${slow.url}", "${fast.url}"], balance: least-pending }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u } }
`);
    try {
      // Park two requests on the slow endpoint (round-robin start spreads the first pair).
      const parked = [get(gw.url), get(gw.url), get(gw.url)];
      const bodies = [];
      for (let i = 0; i < 6; i++) bodies.push((await get(gw.url)).text);
      expect(bodies.every((b) => b === 'fast')).toBe(true);
      held.forEach((release) => release());
      await Promise.all(parked);
    } finally {
      await gw.close();
      await Promise.all([slow.close(), fast.close()]);
    }
  });
});

describe('timeouts', () => {
  it('answers 504 with a coded body when the upstream is slower than the route allows', async () => {
    const slow = await serve((_req, res) => setTimeout(() => res.end('late'), 1_000).unref());
    const gw = await startGateway(`
version: 1
upstreams:
  u: { endpoints: ["${slow.url}"] }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: u }, timeoutMs: 100, retry: { attempts: 0 } }
`);
    try {
      const res = await get(gw.url);
      expect(res.status).toBe(504);
      expect(res.json()).toMatchObject({ error: { code: 'UPSTREAM_TIMEOUT' } });
    } finally {
      await gw.close();
      await slow.close();
    }
  });
});

describe('DNS-resolved upstreams', () => {
  it('resolves a name to endpoints, one per address, and proxies to them', async () => {
    // Listening on every address, so whichever family "localhost" resolves to answers.
    const server = createServer((_req, res) => res.end('resolved'));
    server.listen(0);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const gw = await startGateway(`
version: 1
upstreams:
  named: { dns: { host: localhost, port: ${port}, refreshMs: 60000 } }
routes:
  - { name: r, match: { prefix: / }, proxy: { upstream: named } }
`);
    try {
      const addresses = (await lookup('localhost', { all: true })).length;
      const endpoints = gw.gateway.upstreamList[0]!.snapshot().endpoints;
      expect(endpoints).toHaveLength(addresses);
      expect(endpoints.map((e) => e.url)).toContain(`http://127.0.0.1:${port}`);
      expect((await get(gw.url)).text).toBe('resolved');
    } finally {
      await gw.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
