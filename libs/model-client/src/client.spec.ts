import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CircuitBreaker } from '@fig/breaker';
import { freePort, listenOnLoopback } from '@fig/testing';
import { createModelClient, type ModelClient } from './client';
import { httpTransport } from './http-transport';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

const answer = { label: 'positive', score: 0.5, model: 'v2' };
const json =
  (body: unknown, status = 200): Behaviour =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('model client over HTTP (the monolith’s /api/sentiment behind a timeout and a breaker)', () => {
  let base: string;
  let closeServer: () => Promise<void>;
  let behaviour: Behaviour;
  let seen: { method?: string; url?: string; body: string; requestId?: string | string[] }[];
  let client: ModelClient;
  let breaker: CircuitBreaker;

  beforeAll(async () => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          body,
          requestId: req.headers['x-request-id'],
        });
        behaviour(req, res);
      });
    });
    ({ url: base, close: closeServer } = await listenOnLoopback(server));
  });
  afterAll(() => closeServer());
  beforeEach(() => {
    seen = [];
    behaviour = json(answer);
    breaker = new CircuitBreaker({ consecutiveFailures: 2, openMs: 60_000 });
    client = createModelClient({ transport: httpTransport(base), timeoutMs: 200, breaker });
  });
  afterEach(() => client.close());

  it('posts the text as JSON and returns the model’s answer', async () => {
    await expect(client.score('lovely')).resolves.toEqual(answer);
    expect(seen).toEqual([
      { method: 'POST', url: '/api/sentiment', body: '{"text":"lovely"}', requestId: undefined },
    ]);
  });

  it('passes the caller’s request id on', async () => {
    await client.score('lovely', { requestId: 'req-1' });
    expect(seen[0]?.requestId).toBe('req-1');
  });

  it('carries the A/B header x-fig-model on to the model', async () => {
    let header: string | string[] | undefined;
    behaviour = (req, res) => {
      header = req.headers['x-fig-model'];
      json(answer)(req, res);
    };
    await client.score('lovely', { headers: { 'x-fig-model': 'v2' } });
    expect(header).toBe('v2');
  });

  it('leaves the breaker closed for errors the caller says do not count', async () => {
    const lenient = createModelClient({
      transport: httpTransport(base),
      timeoutMs: 200,
      breaker,
      countsAsFailure: () => false,
    });
    behaviour = json({}, 500);
    for (let i = 0; i < 3; i++) await expect(lenient.score('x')).rejects.toThrow();
    expect(breaker.state).toBe('closed');
    expect(seen).toHaveLength(3);
    await lenient.close();
  });

  it('gives up after the timeout with UPSTREAM_TIMEOUT', async () => {
    behaviour = (_req, res) => setTimeout(() => json(answer)(_req, res), 1_000);
    const started = Date.now();
    await expect(client.score('slow')).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      status: 504,
    });
    expect(Date.now() - started).toBeLessThan(600);
  });

  it.each([
    ['an error status', 'BAD_GATEWAY', json({ error: { code: 'INTERNAL' } }, 500)],
    ['a 503', 'UPSTREAM_UNAVAILABLE', json({}, 503)],
    ['an answer of the wrong shape', 'BAD_GATEWAY', json({ label: 'ecstatic', score: 9 })],
  ])('maps %s to %s', async (_what, code, failing) => {
    behaviour = failing;
    await expect(client.score('x')).rejects.toMatchObject({ code });
  });

  it('passes the model refusing the text on as VALIDATION_FAILED, without counting it against the circuit', async () => {
    behaviour = json({ error: { code: 'VALIDATION_FAILED' } }, 400);
    for (let i = 0; i < 3; i++) {
      await expect(client.score('x')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(breaker.state).toBe('closed');
    expect(seen).toHaveLength(3);
  });

  it('maps a refused connection to UPSTREAM_UNAVAILABLE', async () => {
    const closed = createModelClient({
      transport: httpTransport(`http://127.0.0.1:${await freePort()}`),
      timeoutMs: 200,
      breaker,
    });
    await expect(closed.score('x')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    await closed.close();
  });

  it('stops calling once the circuit opens, failing at once with a Retry-After hint', async () => {
    behaviour = json({}, 500);
    await expect(client.score('a')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    await expect(client.score('b')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    await expect(client.score('c')).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      details: { retryAfterSeconds: 60 },
    });
    expect(seen).toHaveLength(2);
  });

  it('does not count the model refusing the text (a 4xx) against the circuit', async () => {
    behaviour = json({ error: { code: 'VALIDATION_FAILED' } }, 400);
    for (const text of ['a', 'b', 'c', 'd', 'e'])
      await expect(client.score(text)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(breaker.state).toBe('closed');
    expect(seen).toHaveLength(5);
  });

  it('reports readiness details while the model is up, and fails the check once the circuit is open', async () => {
    behaviour = json({ service: 'monolith', model: 'v2' });
    await expect(client.check.run(AbortSignal.timeout(500))).resolves.toEqual({
      circuit: 'closed',
      model: 'v2',
    });
    expect(client.check.critical).toBe(false);
    behaviour = json({}, 500);
    await Promise.allSettled([client.score('a'), client.score('b')]);
    seen = [];
    await expect(client.check.run(AbortSignal.timeout(500))).rejects.toThrow(/circuit open/);
    expect(seen).toEqual([]);
  });
});
