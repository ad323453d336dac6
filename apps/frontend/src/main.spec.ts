import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  Server as GrpcServer,
  ServerCredentials,
  status as grpcStatus,
  type Metadata,
} from '@grpc/grpc-js';
import { model as pb } from '@fig/proto';
import {
  listenOnLoopback,
  startOtlpReceiver,
  startAll,
  startBundle,
  startRedis,
  waitFor,
  type RunningBundle,
  type OtlpReceiver,
  type RedisServer,
} from '@fig/testing';

const status = (url: string) => fetch(url).then((r) => r.status);

type Running = RunningBundle;

/** A built service, traced (as the image starts it), ready when it returns. */
const start = (app: 'frontend' | 'store-svc', env: Record<string, string>) =>
  startBundle(app, { traced: true, env });

/** Stands in for the monolith's model: answers, or hangs, as the test says. */
async function fakeModel() {
  const requests: IncomingHttpHeaders[] = [];
  let hang = false;
  const server: Server = createHttpServer((req, res) => {
    requests.push(req.headers);
    if (hang) return;
    const body =
      req.url === '/api/info'
        ? { service: 'monolith', model: 'v2' }
        : { label: 'positive', score: 0.6, model: 'v2' };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const { url, close } = await listenOnLoopback(server);
  return { url, requests, hang: () => (hang = true), close };
}

/**
 * A ModelService over real gRPC whose handlers the test writes: it records
 * each call's metadata, which no real model-svc shows.
 */
async function scriptedModelService() {
  const metadata: Metadata[] = [];
  const server = new GrpcServer();
  server.addService(pb.ModelServiceService, {
    score: (call, cb) => {
      metadata.push(call.metadata);
      cb(null, {
        sentiment: { label: pb.SentimentLabel.SENTIMENT_LABEL_NEGATIVE, score: -0.4, model: 'v2' },
      });
    },
    scoreBatch: (_call, cb) => cb({ code: grpcStatus.UNIMPLEMENTED }),
    describe: (_call, cb) =>
      cb(null, { model: 'v2', name: 'VADER', implementation: 'scripted', evaluation: undefined }),
  } satisfies pb.ModelServiceServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { target: `ipv4:127.0.0.1:${port}`, metadata, close: () => server.forceShutdown() };
}

const post = (base: string, text: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ author: 'Ada', text }),
  });

describe('frontend process (built bundle, real store-svc and Redis)', () => {
  let redis: RedisServer;
  let receiver: OtlpReceiver;
  let store: Running;
  let model: Awaited<ReturnType<typeof fakeModel>>;
  let frontend: Running | undefined;

  const startFrontend = (env: Record<string, string> = {}) =>
    start('frontend', {
      STORE_ADDR: `ipv4:127.0.0.1:${store.port}`,
      MONOLITH_URL: model.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      ...env,
    });

  beforeAll(async () => {
    [redis, receiver, model] = await startAll(startRedis(), startOtlpReceiver(), fakeModel());
    store = await start('store-svc', {
      REDIS_URL: redis.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
  });
  afterEach(async () => {
    await frontend?.kill();
    frontend = undefined;
  });
  afterAll(async () => {
    await store?.kill();
    await Promise.all([redis?.dispose(), receiver?.close(), model?.close()]);
  });

  it('carries one trace from the HTTP request through the gRPC call into store-svc, and to the model', async () => {
    frontend = await startFrontend();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await post(frontend.base, 'traced all the way', {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(res.status).toBe(201);
    expect(model.requests.at(-1)?.traceparent).toMatch(new RegExp(`^00-${traceId}-`));
    const spans = () => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(
      () =>
        spans().some((s) => s.service === 'store-svc' && s.kind === 2) &&
        spans().some((s) => s.service === 'frontend' && s.kind === 3),
      { what: 'both sides of the gRPC call to be exported' },
    );
    const byId = new Map(spans().map((s) => [s.spanId, s]));
    const storeServer = spans().find(
      (s) => s.service === 'store-svc' && s.kind === 2 && /AddEntry/.test(s.name),
    )!;
    // Its parent is the frontend's gRPC client span (OTLP kinds: 2 server, 3 client), inside the frontend's HTTP server span.
    expect(byId.get(storeServer.parentSpanId!)).toMatchObject({ service: 'frontend', kind: 3 });
    expect(spans().find((s) => s.service === 'frontend' && s.kind === 2)).toMatchObject({
      parentSpanId: '00f067aa0ba902b7',
    });
  });

  it('carries the A/B header x-fig-model on to the model, for writes and for /api/sentiment', async () => {
    frontend = await startFrontend();
    expect((await post(frontend.base, 'pick v2', { 'x-fig-model': 'v2' })).status).toBe(201);
    expect(model.requests.at(-1)?.['x-fig-model']).toBe('v2');
    const scored = await fetch(`${frontend.base}/api/sentiment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fig-model': 'v1' },
      body: JSON.stringify({ text: 'pick v1' }),
    });
    expect(scored.status).toBe(200);
    expect(model.requests.at(-1)?.['x-fig-model']).toBe('v1');
  });

  it('with MODEL_ADDR scores with ModelService over gRPC, carrying x-fig-model and the trace as metadata', async () => {
    const grpcModel = await scriptedModelService();
    try {
      // MONOLITH_URL points nowhere: the model must not be asked over HTTP.
      frontend = await startFrontend({
        MODEL_ADDR: grpcModel.target,
        MONOLITH_URL: 'http://127.0.0.1:9',
      });
      const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
      const res = await post(frontend.base, 'scored over gRPC', {
        'x-fig-model': 'v2',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({
        sentiment: { label: 'negative', score: -0.4, model: 'v2' },
      });
      const seen = grpcModel.metadata.at(-1)!;
      expect(seen.get('x-fig-model')).toEqual(['v2']);
      expect(String(seen.get('traceparent')[0])).toMatch(new RegExp(`^00-${traceId}-`));
      const ready = await fetch(`${frontend.ops}/readyz`);
      expect(await ready.json()).toMatchObject({
        checks: { model: { ok: true, details: { model: 'v2' } } },
      });
    } finally {
      grpcModel.close();
    }
  });

  it('saves writes unscored when the model hangs, stops waiting once the circuit opens, and reports degraded', async () => {
    frontend = await startFrontend({
      MODEL_TIMEOUT_MS: '300',
      MODEL_BREAKER_FAILURES: '2',
      MODEL_BREAKER_COOLDOWN_MS: '60000',
    });
    model.hang();
    for (const text of ['first while hanging', 'second while hanging']) {
      const started = Date.now();
      const res = await post(frontend.base, text);
      expect([res.status, ((await res.json()) as { sentiment: unknown }).sentiment]).toEqual([
        201,
        null,
      ]);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    const started = Date.now();
    expect((await post(frontend.base, 'circuit open')).status).toBe(201);
    // Under the 300 ms model timeout: the open circuit did not wait for the model.
    expect(Date.now() - started).toBeLessThan(250);

    const ready = await fetch(`${frontend.ops}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'degraded',
      checks: {
        store: { ok: true },
        model: { ok: false, critical: false, error: expect.stringMatching(/circuit open/) },
      },
    });
    expect(await (await fetch(frontend.base)).text()).toMatch(
      /not yet scored<\/span>[\s\S]*circuit open/,
    );
  });

  it('answers a coded 503 fast while store-svc is down, fails readiness, and recovers within 3 s of its return', async () => {
    frontend = await startFrontend();
    const { base, ops } = frontend;
    await store.stop();
    try {
      const started = Date.now();
      const res = await fetch(`${base}/api/stats`);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: { code: 'STORE_UNAVAILABLE', message: 'The data store is unavailable' },
      });
      await waitFor(async () => (await status(`${ops}/readyz`)) === 503, {
        timeoutMs: 2_000,
        what: 'readiness to fail',
      });
    } finally {
      await store.restart();
    }
    // Reconnect backoff is capped at 2 s, so a returning store is found quickly.
    await waitFor(async () => (await status(`${ops}/readyz`)) === 200, {
      timeoutMs: 3_000,
      what: 'readiness to recover',
    });
    expect(await status(`${base}/api/stats`)).toBe(200);
  });

  it('gives up on a store that accepts connections but never answers within STORE_DEADLINE_MS', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const port = (silent.address() as AddressInfo).port;
      frontend = await startBundle('frontend', {
        env: {
          STORE_ADDR: `ipv4:127.0.0.1:${port}`,
          STORE_DEADLINE_MS: '400',
          MONOLITH_URL: model.url,
          LOG_LEVEL: 'silent',
        },
        waitFor: 'livez',
      });
      const started = Date.now();
      const res = await fetch(`${frontend.base}/api/entries`);
      const took = Date.now() - started;
      expect(res.status).toBe(503);
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(1_500);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('streams new entries on /live, ends the stream on SIGTERM, and exits 0', async () => {
    frontend = await startFrontend();
    const stream = await fetch(`${frontend.base}/live`);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(received)) {
        const { value, done } = await reader.read();
        if (done) return false;
        received += value;
      }
      return true;
    };
    await readUntil(/: connected/);
    expect((await post(frontend.base, 'watched live')).status).toBe(201);
    expect(await readUntil(/event: entry\ndata: \{[^\n]*"text":"watched live"/)).toBe(true);

    frontend.proc.signal('SIGTERM');
    expect(await readUntil(/never arrives/)).toBe(false);
    expect(await frontend.proc.exited).toBe(0);
  });

  it.each([
    [{ STORE_ADDR: 'http://store-svc' }, /STORE_ADDR: must be a gRPC target/],
    [
      { MONOLITH_URL: 'monolith:8081', MODEL_TIMEOUT_MS: 'soon' },
      /MONOLITH_URL: must be a URL[\s\S]*MODEL_TIMEOUT_MS/,
    ],
  ])('refuses to start with %j and names the variable', async (env, message) => {
    const { proc } = await startBundle('frontend', { env, waitFor: 'nothing' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/^Invalid configuration:/m);
    expect(proc.output()).toMatch(message);
  });
});
