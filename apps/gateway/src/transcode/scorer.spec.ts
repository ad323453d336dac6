import type { IncomingMessage, ServerResponse } from 'node:http';
import { RedisGuestbook } from '@fig/guestbook-redis';
import { connectRedis, type RedisClient } from '@fig/redis';
import { startRedis, type RedisServer } from '@fig/testing';
import {
  send,
  serve,
  silentLogger,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
const answer =
  (body: unknown, status = 200): Behaviour =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** A transcoded write reaches the model through the same client as the frontend. */
describe('scoring a transcoded write', () => {
  let redis: RedisServer | undefined;
  let redisClient: RedisClient | undefined;
  let model: TestServer | undefined;
  let gw: TestGateway | undefined;
  let behaviour: Behaviour;
  let calls: { url?: string; requestId?: string | string[] }[];

  beforeAll(async () => {
    redis = await startRedis();
    redisClient = await connectRedis({ url: redis.url, logger: silentLogger, name: 'scorer-test' });
    model = await serve((req, res) => {
      calls.push({ url: req.url, requestId: req.headers['x-request-id'] });
      req.resume().on('end', () => behaviour(req, res));
    });
    gw = await startGateway(
      `
version: 1
upstreams:
  monolith:
    endpoints: ["${model.url}"]
    breaker: { minFailures: 2, failureRatio: 0.5, openMs: 60000 }
routes:
  - { name: add, match: { methods: [POST], path: /api/entries }, transcode: { rpc: AddEntry, scorer: monolith } }
`,
      { store: new RedisGuestbook(redisClient) },
    );
  });
  afterAll(async () => {
    await Promise.allSettled([gw?.close(), model?.close()]);
    await redisClient?.close();
    await redis?.dispose();
  });
  beforeEach(() => {
    calls = [];
    behaviour = answer({ label: 'positive', score: 0.5, model: 'v2' });
  });

  const post = (text: string, headers: Record<string, string> = {}) =>
    send(`${gw!.url}/api/entries`, 'POST', JSON.stringify({ author: 'Ada', text }), headers);

  it('stores the model’s score and passes the request id on', async () => {
    const res = await post('lovely', { 'x-request-id': 'req-42' });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text).sentiment).toEqual({ label: 'positive', score: 0.5, model: 'v2' });
    expect(calls).toEqual([{ url: '/api/sentiment', requestId: 'req-42' }]);
  });

  it('saves the entry unscored when the model answers with the wrong shape', async () => {
    behaviour = answer({ label: 'ecstatic', score: 7 });
    const res = await post('odd');
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text).sentiment).toBeNull();
  });

  it('stops calling a failing model once the circuit opens, saving entries unscored', async () => {
    behaviour = answer({ error: { code: 'INTERNAL' } }, 500);
    for (let i = 0; i < 3; i++) {
      const res = await post(`try ${i}`);
      expect(res.status).toBe(201);
      expect(JSON.parse(res.text).sentiment).toBeNull();
    }
    expect(calls.length).toBeLessThan(3);
    expect(gw!.gateway.upstreamList.find((u) => u.name === 'monolith')?.breaker.state).toBe('open');
  });
});
