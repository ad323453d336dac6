import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { RedisGuestbook } from '@fig/guestbook-redis';
import { connectRedis, type RedisClient } from '@fig/redis';
import { createGuestbookApp } from '@fig/guestbook-web';
import { createMetrics } from '@fig/service';
import { createModel } from '@fig/sentiment';
import { startRedis, type RedisServer } from '@fig/testing';
import {
  client,
  serve,
  silentLogger,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

/**
 * The transcoder against the monolith's own HTTP stack (the shared guestbook
 * app on the same Redis): for every request, status and body must be equal
 * byte for byte, so that moving a route is invisible to clients.
 */
describe('transcoding to the store', () => {
  let redis: RedisServer;
  let redisClient: RedisClient;
  let monolith: TestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = await connectRedis({
      url: redis.url,
      logger: silentLogger,
      name: 'transcode-test',
    });
    const store = new RedisGuestbook(redisClient);
    const model = createModel('v1');
    const app = createGuestbookApp({
      store,
      scorer: { score: async (text) => model.score(text) },
      info: { service: 'monolith', version: 'v1', pod: 'test', model: 'v1' },
      logger: silentLogger,
      metrics: createMetrics({ service: 'monolith', version: 'v1' }),
      isDraining: () => false,
    });
    monolith = await serve(app);
    gw = await startGateway(
      `
version: 1
upstreams:
  monolith: { endpoints: ["${monolith.url}"] }
routes:
  - { name: list, match: { methods: [GET], path: /api/entries }, transcode: { rpc: ListEntries } }
  - { name: stats, match: { methods: [GET], path: /api/stats }, transcode: { rpc: GetStats } }
  - { name: add, match: { methods: [POST], path: /api/entries }, transcode: { rpc: AddEntry, scorer: monolith } }
`,
      { store },
    );
    for (let i = 0; i < 5; i++)
      await store.addEntry({ author: 'seed', text: `entry ${i} is great` }, null);
  });

  afterAll(async () => {
    await Promise.allSettled([gw?.close(), monolith?.close()]);
    await redisClient?.close();
    await redis?.dispose();
  });

  async function both(
    path: string,
    init: {
      method?: 'GET' | 'POST';
      body?: string | Buffer;
      headers?: Record<string, string>;
    } = {},
  ) {
    const call = async (base: string) => {
      const res = await request(`${base}${path}`, { dispatcher: client, ...init });
      return {
        status: res.statusCode,
        type: res.headers['content-type'],
        body: await res.body.text(),
      };
    };
    return { gateway: await call(gw.url), monolith: await call(monolith.url) };
  }

  it.each([
    '/api/entries',
    '/api/entries?limit=2',
    '/api/entries?limit=0',
    '/api/entries?limit=abc',
    '/api/entries?limit=1&limit=2',
    '/api/entries?cursor=bogus',
    '/api/entries?cursor=',
    '/api/entries?cursor=a&cursor=b',
    '/api/stats',
  ])('GET %s answers exactly as the monolith does', async (path) => {
    const { gateway, monolith } = await both(path);
    expect(gateway).toEqual(monolith);
  });

  it('follows a cursor from one page to the next exactly as the monolith does', async () => {
    const first = JSON.parse((await both('/api/entries?limit=2')).gateway.body) as {
      nextCursor: string;
    };
    const { gateway, monolith } = await both(`/api/entries?limit=2&cursor=${first.nextCursor}`);
    expect(gateway).toEqual(monolith);
    expect(JSON.parse(gateway.body).entries).toHaveLength(2);
  });

  const json = { 'content-type': 'application/json' };
  it.each([
    ['no content type', undefined, '{"author":"a","text":"b"}'],
    ['text/plain', { 'content-type': 'text/plain' }, '{"author":"a","text":"b"}'],
    [
      'latin-1 charset',
      { 'content-type': 'application/json; charset=latin1' },
      '{"author":"a","text":"b"}',
    ],
    ['malformed JSON', json, '{"author":'],
    ['a JSON string', json, '"hello"'],
    ['an array', json, '[]'],
    ['an empty body', json, ''],
    ['a blank author', json, '{"author":" ","text":"b"}'],
    ['control characters', json, '{"author":"a\\u0007","text":"b"}'],
    ['too long a text', json, JSON.stringify({ author: 'a', text: 'x'.repeat(281) })],
    ['a body over 16 KiB', json, JSON.stringify({ author: 'a', text: 'x'.repeat(17_000) })],
    [
      'a valid gzip body',
      { ...json, 'content-encoding': 'gzip' },
      gzipSync('{"author":"a","text":"b"}'),
    ],
    ['a plain body labelled gzip', { ...json, 'content-encoding': 'gzip' }, '{"a":1}'],
    [
      'a UTF-16 charset',
      { 'content-type': 'application/json; charset=utf-16' },
      '{"author":"a","text":"b"}',
    ],
    [
      'the utf8 alias',
      { 'content-type': 'application/json; charset=utf8' },
      '{"author":"a","text":"b"}',
    ],
    [
      'an overlong sequence',
      json,
      Buffer.concat([
        Buffer.from('{"author":"a","text":"'),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from('"}'),
      ]),
    ],
    [
      'an encoded surrogate',
      json,
      Buffer.concat([
        Buffer.from('{"author":"a","text":"'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    ],
    ['a bidi override', json, '{"author":"admin\\u202eexe.txt","text":"b"}'],
    ['an invisible author', json, '{"author":"\\u200b","text":"b"}'],
    [
      'a bad idempotency key',
      { ...json, 'idempotency-key': 'has spaces' },
      '{"author":"a","text":"b"}',
    ],
  ])('POST with %s is refused exactly as the monolith refuses it', async (_case, headers, body) => {
    const { gateway, monolith } = await both('/api/entries', {
      method: 'POST',
      body,
      ...(headers ? { headers } : {}),
    });
    expect(gateway).toEqual(monolith);
    expect(gateway.status).toBeGreaterThanOrEqual(400);
  });

  it('creates an entry scored by the model, which the monolith then returns for the same idempotency key', async () => {
    const headers = { ...json, 'idempotency-key': randomUUID() };
    const body = JSON.stringify({ author: '  Ada ', text: 'what a wonderful day' });
    const created = await request(`${gw.url}/api/entries`, {
      dispatcher: client,
      method: 'POST',
      headers,
      body,
    });
    const text = await created.body.text();
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(text)).toMatchObject({
      author: 'Ada',
      sentiment: { label: 'positive', model: 'v1' },
    });
    const again = await both('/api/entries', { method: 'POST', headers, body });
    expect(again.gateway).toEqual(again.monolith);
    expect(again.gateway).toMatchObject({ status: 200, body: text });
  });
});
