import {
  freePort,
  startOtlpReceiver,
  startAll,
  startBundle,
  startRedis,
  waitFor,
  type RunningBundle,
  type OtlpReceiver,
  type ReceivedSpan,
  type RedisServer,
} from '@fig/testing';
import { stage3Routes } from './support/services';

/**
 * One POST /api/entries through the stage 3 system — gateway → frontend →
 * store-svc → Redis, and frontend → monolith for the model — is one trace:
 * every process exports its spans to a receiver started here, and the spans
 * link up parent to child across the four processes.
 */

const SERVER = 2;
const CLIENT = 3;

describe('tracing across the stage 3 system', () => {
  let redis: RedisServer;
  let receiver: OtlpReceiver;
  const services: RunningBundle[] = [];
  let gatewayUrl: string;

  async function start(app: string, env: Record<string, string>, port?: number) {
    const service = await startBundle(app, {
      traced: true,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        ...env,
        ...(port ? { PORT: String(port) } : {}),
      },
      readyTimeoutMs: 15_000,
    });
    services.push(service);
    return service.base;
  }

  beforeAll(async () => {
    [redis, receiver] = await startAll(startRedis(), startOtlpReceiver());
    const storePort = await freePort();
    const [monolith] = await Promise.all([
      start('monolith', { REDIS_URL: redis.url, MODEL_VERSION: 'v1' }),
      start('store-svc', { REDIS_URL: redis.url }, storePort),
    ]);
    const storeAddr = `ipv4:127.0.0.1:${storePort}`;
    const frontend = await start('frontend', { STORE_ADDR: storeAddr, MONOLITH_URL: monolith! });
    gatewayUrl = await start('gateway', {
      GATEWAY_ROUTES: stage3Routes,
      FRONTEND_URL: frontend,
      MONOLITH_URL: monolith!,
      STORE_ADDR: storeAddr,
      REDIS_URL: redis.url,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await receiver?.close();
    await redis?.dispose();
  });

  it('links gateway, frontend, store-svc (with its Redis span) and monolith spans under one trace id', async () => {
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const callerSpan = '1122334455667788';
    const res = await fetch(`${gatewayUrl}/api/entries`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: JSON.stringify({ author: 'Tracer', text: 'a lovely traced day' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ sentiment: { label: 'positive' } });

    const spans = () => receiver.spans.filter((s) => s.traceId === traceId);
    const of = (service: string, kind?: number) =>
      spans().filter((s) => s.service === service && (kind === undefined || s.kind === kind));
    const isRedis = (s: ReceivedSpan) =>
      s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis';
    await waitFor(
      () =>
        of('gateway', SERVER).length &&
        of('frontend', SERVER).length &&
        of('store-svc', SERVER).length &&
        of('monolith', SERVER).length &&
        of('store-svc').some(isRedis),
      { timeoutMs: 15_000, what: 'spans from all four services' },
    );
    const byId = new Map(spans().map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

    // The gateway continues the caller's trace, and its own client span is the frontend's parent.
    const gatewayServer = of('gateway', SERVER)[0]!;
    expect(gatewayServer.parentSpanId).toBe(callerSpan);
    const frontendServer = of('frontend', SERVER).find((s) => parentOf(s)?.service === 'gateway')!;
    expect(frontendServer).toBeDefined();
    const gatewayClient = parentOf(frontendServer)!;
    expect(gatewayClient.kind).toBe(CLIENT);
    expect(parentOf(gatewayClient)).toBe(gatewayServer);

    // store-svc's RPC is a child of a frontend gRPC client span, and Redis runs under it.
    const storeServer = of('store-svc', SERVER).find((s) => parentOf(s)?.service === 'frontend')!;
    expect(parentOf(storeServer)!.kind).toBe(CLIENT);
    const redisSpan = of('store-svc').find(isRedis)!;
    let ancestor: ReceivedSpan | undefined = redisSpan;
    while (ancestor && ancestor !== storeServer) ancestor = parentOf(ancestor);
    expect(ancestor).toBe(storeServer);

    // The model call from the frontend reaches the monolith in the same trace.
    const monolithServer = of('monolith', SERVER)[0]!;
    expect(parentOf(monolithServer)).toMatchObject({ service: 'frontend', kind: CLIENT });
    expect(monolithServer.attributes['http.route'] ?? monolithServer.name).toMatch(/sentiment/);
  });
});
