import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { connectRedis, type RedisClient } from '@fig/redis';
import { startRedis, type RedisServer } from '@fig/testing';
import {
  get,
  metricValue,
  serve,
  silentLogger,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

/**
 * What one client can do to everyone else through the gateway: bodies sent
 * malformed or a byte at a time, many at once. None of it may open a
 * breaker, eject an endpoint or make other clients' requests hang.
 */

/** A raw connection (node:http would refuse to send malformed framing). */
function rawClient(port: number, localAddress = '127.0.0.1') {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (received += c));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  return { socket, closed, received: () => received };
}

const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];
const codeOf = (text: string) =>
  (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string } }).error.code;
const waitUntil = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
};
const slowPost = (path: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`;

describe('hostile clients', () => {
  let up: TestServer;
  /** Requests the upstream has begun, and how many of their bodies it saw end. */
  let started = 0;
  let gw: TestGateway;
  let redis: RedisServer;
  let redisClient: RedisClient;

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = await connectRedis({ url: redis.url, logger: silentLogger, name: 'test' });
    up = await serve((req, res) => {
      started++;
      req.resume();
      req.on('end', () => res.end('{"ok":true}'));
      req.on('error', () => {});
    });
    gw = await startGateway(
      `
version: 1
upstreams:
  up:
    endpoints: ["${up.url}"]
    connections: 4
    queueTimeoutMs: 300
    breaker: { minFailures: 2, failureRatio: 0.1, windowMs: 60000, openMs: 60000 }
    outlier: { consecutiveFailures: 2 }
routes:
  - name: writes
    match: { methods: [POST], path: /api/entries }
    proxy: { upstream: up }
    # A policy makes the gateway wait (for the shared counter in Redis) before it dispatches.
    rateLimit: { requests: 1000 }
  - name: all
    match: { prefix: / }
    proxy: { upstream: up }
`,
      { requestTimeoutMs: 1_000, maxInFlightPerClient: 3, redis: redisClient },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    redisClient.destroy();
    await redis.dispose();
  });

  const upstreamErrors = () =>
    metricValue(gw.registry, 'gateway_upstream_errors_total', { upstream: 'up', kind: 'connect' });

  it('answers a malformed chunked body with one coded 400, and the breaker does not hear of it', async () => {
    for (let i = 0; i < 5; i++) {
      const before = started;
      const c = rawClient(gw.port);
      c.socket.write(
        'POST /api/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n',
      );
      await waitUntil(() => started > before);
      c.socket.write('zz\r\n');
      const answer = await c.closed;
      expect(statusLines(answer)).toEqual(['HTTP/1.1 400']);
      expect(codeOf(answer)).toBe('MALFORMED_REQUEST');
    }
    expect(gw.gateway.upstreamList[0]!.breaker.state).toBe('closed');
    expect(await upstreamErrors()).toBe(0);
    expect((await get(`${gw.url}/api/entries`)).status).toBe(200);
  });

  it('does not blame the upstream for a malformed body, whatever order the failures arrive in', async () => {
    // Node's own client-error handler destroys the socket with the error, so the
    // request body fails before the response closes: the order the probe hit.
    const plain = createServer(gw.gateway.handle).listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const { port } = plain.address() as AddressInfo;
    try {
      for (let i = 0; i < 20; i++) {
        const c = rawClient(port);
        c.socket.write(
          'POST /api/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\nzz\r\n',
        );
        await c.closed;
      }
    } finally {
      plain.close();
    }
    expect(gw.gateway.upstreamList[0]!.breaker.state).toBe('closed');
    expect(await upstreamErrors()).toBe(0);
  });

  it('cuts a body sent too slowly with one coded 408, without blaming the upstream', async () => {
    const c = rawClient(gw.port);
    c.socket.write(slowPost('/api/entries'));
    const answer = await c.closed;
    expect(statusLines(answer)).toEqual(['HTTP/1.1 408']);
    expect(codeOf(answer)).toBe('REQUEST_TIMEOUT');
    expect(gw.gateway.upstreamList[0]!.breaker.state).toBe('closed');
    expect(await upstreamErrors()).toBe(0);
  });

  it('limits the requests one address holds, and serves other addresses meanwhile', async () => {
    const held = [0, 1, 2].map(() => rawClient(gw.port));
    for (const c of held) c.socket.write(slowPost('/slow'));
    await waitUntil(() => started >= 3);
    const more = rawClient(gw.port);
    more.socket.write('GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n');
    const refused = await more.closed;
    expect(statusLines(refused)).toEqual(['HTTP/1.1 429']);
    expect(codeOf(refused)).toBe('TOO_MANY_IN_FLIGHT');
    const other = rawClient(gw.port, '127.0.0.2');
    other.socket.write('GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusLines(await other.closed)).toEqual(['HTTP/1.1 200']);
    for (const c of held) c.socket.destroy();
  });

  it('answers a coded 503 when no pooled connection comes free in time, instead of hanging', async () => {
    // Four addresses hold the upstream's four connections with bodies that never come.
    const held = [2, 3, 4, 5].map((n) => rawClient(gw.port, `127.0.0.${n}`));
    const before = started;
    for (const c of held) c.socket.write(slowPost('/slow'));
    await waitUntil(() => started >= before + 4);
    const res = await get(`${gw.url}/api/stats`);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(
      await metricValue(gw.registry, 'gateway_upstream_errors_total', {
        upstream: 'up',
        kind: 'pool_full',
      }),
    ).toBe(1);
    for (const c of held) c.socket.destroy();
    // Freed, the pool serves again, and nothing counted against the upstream.
    await waitUntil(() => true);
    expect(gw.gateway.upstreamList[0]!.breaker.state).toBe('closed');
  });
});
