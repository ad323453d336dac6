import { request } from 'node:http';
import {
  startOtlpReceiver,
  startBundle,
  startRedis,
  waitFor,
  type RunningBundle,
  type RedisServer,
} from '@fig/testing';

type Monolith = RunningBundle;

/** The built bundle with the drain settings these specs expect; tracing on request. */
function startMonolith(
  redisUrl: string,
  env: Record<string, string> = {},
  traced = false,
): Promise<Monolith> {
  return startBundle('monolith', {
    env: { REDIS_URL: redisUrl, SHUTDOWN_DELAY_MS: '300', SHUTDOWN_TIMEOUT_MS: '3000', ...env },
    traced,
  });
}

const status = (url: string) => fetch(url).then((r) => r.status);

describe('monolith process', () => {
  let redis: RedisServer;
  let monolith: Monolith | undefined;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await monolith?.kill();
    monolith = undefined;
  });
  afterAll(() => redis?.dispose());

  it('fails readiness within 2 s of Redis stopping, fails requests fast with a coded 503, and recovers within 2 s', async () => {
    monolith = await startMonolith(redis.url);
    const { base, ops } = monolith;
    await redis.stop();
    try {
      await waitFor(async () => (await status(`${ops}/readyz`)) === 503, {
        timeoutMs: 2_000,
        what: 'readiness to fail',
      });
      expect(await status(`${ops}/livez`)).toBe(200);

      const started = Date.now();
      const res = await fetch(`${base}/api/stats`);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: { code: 'STORE_UNAVAILABLE', message: 'The data store is unavailable' },
      });
    } finally {
      await redis.start();
    }
    await waitFor(async () => (await status(`${ops}/readyz`)) === 200, {
      timeoutMs: 2_000,
      what: 'readiness to recover',
    });
    expect(await status(`${base}/api/stats`)).toBe(200);
  });

  it('on SIGTERM finishes the request in flight, fails readiness while draining, keeps liveness, and exits 0', async () => {
    monolith = await startMonolith(redis.url, { SHUTDOWN_DELAY_MS: '1000' });
    const { base, ops, proc } = monolith;

    // A request whose body is still arriving when the signal lands.
    const body = JSON.stringify({ author: 'Ada', text: 'sent across a shutdown' });
    const url = new URL(`${base}/api/entries`);
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      proc.signal('SIGTERM');
      // Finish the body once the process has started draining.
      void waitFor(async () => (await status(`${ops}/readyz`)) === 503, { what: 'draining' }).then(
        () => {
          req.end(body.slice(10));
        },
      );
    });

    await waitFor(async () => (await status(`${ops}/readyz`)) === 503, {
      timeoutMs: 1_000,
      what: 'readiness to fail',
    });
    expect(await status(`${ops}/livez`)).toBe(200);
    const answered = await inFlight;
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body)).toMatchObject({ text: 'sent across a shutdown' });
    expect(await proc.exited).toBe(0);
  });

  it('exits at once on a second signal', async () => {
    monolith = await startMonolith(redis.url, { SHUTDOWN_DELAY_MS: '10000' });
    const { proc, ops } = monolith;
    proc.signal('SIGTERM');
    await waitFor(async () => (await status(`${ops}/readyz`)) === 503, { what: 'draining' });
    proc.signal('SIGTERM');
    expect(await proc.exited).toBe(130);
  });

  it.each([
    [{ PORT: 'http' }, /PORT: must be a whole number \(got "http"\)/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL: must be a URL with scheme redis or rediss/],
    [{ PORT: '99999', MODEL_VERSION: 'v9' }, /PORT: must be 0-65535[\s\S]*MODEL_VERSION/],
  ])('refuses to start with %j and names the variable', async (env, message) => {
    const { proc } = await startBundle('monolith', {
      env: { REDIS_URL: redis.url, ...env },
      waitFor: 'nothing',
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(message);
    expect(proc.output()).toMatch(/^Invalid configuration:/m);
  });

  it('exports one trace per request: HTTP server span, Express and a Redis span beneath it', async () => {
    const receiver = await startOtlpReceiver();
    try {
      monolith = await startMonolith(
        redis.url,
        {
          OTEL_SDK_DISABLED: 'false',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_SERVICE_NAME: 'monolith',
        },
        true,
      );
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await fetch(`${monolith.base}/api/stats`, { headers: { traceparent } });
      expect(res.status).toBe(200);
      const mine = () =>
        receiver.spans.filter((s) => s.traceId === '4bf92f3577b34da6a3ce929d0e0e4736');
      await waitFor(
        () => mine().some((s) => s.attributes['db.system'] === 'redis' || /redis/i.test(s.name)),
        {
          timeoutMs: 5_000,
          what: 'a Redis span to be exported',
        },
      );
      const spans = mine();
      const server = spans.find((s) => s.kind === 2);
      expect(server).toMatchObject({ service: 'monolith', parentSpanId: '00f067aa0ba902b7' });
      const ids = new Set(spans.map((s) => s.spanId));
      for (const span of spans.filter((s) => s !== server))
        expect(ids.has(span.parentSpanId ?? '')).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
