import path from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createClient } from 'redis';
import { StoreServiceClient } from '@fig/proto';
import { createStoreClient } from '@fig/store-client';
import {
  startOtlpReceiver,
  startBundle,
  startRedis,
  waitFor,
  type RunningBundle,
  type RedisServer,
} from '@fig/testing';
import { grpcCall as call, grpcFailure as failure } from '@fig/testing';
import { healthClient } from '../test/health-client';

const root = path.resolve(__dirname, '../../..');

type StoreProcess = RunningBundle;

/** The built bundle, run as Kubernetes would run it (its own env, signals, exit code). */
function startStoreProcess(
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<StoreProcess> {
  return startBundle('store-svc', {
    traced: true,
    env: { REDIS_URL: redisUrl, SHUTDOWN_DELAY_MS: '300', SHUTDOWN_TIMEOUT_MS: '5000', ...env },
  });
}

async function handledCount(ops: string, method: string): Promise<number> {
  const text = await (await fetch(`${ops}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('grpc_server_handled_total{') &&
        l.includes(`grpc_method="${method}",grpc_code="OK"`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The services a gRPC server lists through server reflection (v1). */
function reflectedServices(port: number): Promise<string[]> {
  const file = path.join(
    root,
    'node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
  );
  const pkg = loadPackageDefinition(loadSync(file, { keepCase: true })) as never as {
    grpc: { reflection: { v1: { ServerReflection: typeof StoreServiceClient } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as never as {
    serverReflectionInfo(): NodeJS.ReadWriteStream & {
      end(m?: unknown): void;
      write(m: unknown): boolean;
    };
    close(): void;
  };
  return new Promise((resolve, reject) => {
    const stream = client.serverReflectionInfo();
    stream.on('data', (res: { list_services_response?: { service: { name: string }[] } }) => {
      resolve((res.list_services_response?.service ?? []).map((s) => s.name).sort());
      stream.end();
      client.close();
    });
    stream.on('error', reject);
    stream.write({ list_services: '' });
  });
}

describe('store-svc as a process', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.dispose());

  it('starts SERVING with ops endpoints and reflection, and joins the caller trace', async () => {
    const otlp = await startOtlpReceiver();
    const store = await startStoreProcess(redis.url, {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_SERVICE_NAME: 'store-svc',
    });
    const health = healthClient(store.port);
    const client = new StoreServiceClient(`127.0.0.1:${store.port}`, credentials.createInsecure());
    try {
      await waitFor(async () => (await health.status()) === 'SERVING', { what: 'SERVING' });
      expect((await fetch(`${store.ops}/livez`)).status).toBe(200);
      const metrics = await (await fetch(`${store.ops}/metrics`)).text();
      expect(metrics).toContain('fig_build_info{service="store-svc",version="v1"} 1');
      expect(await reflectedServices(store.port)).toEqual([
        'fig.store.v1.StoreService',
        'grpc.health.v1.Health',
      ]);

      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parentId = '00f067aa0ba902b7';
      const metadata = new Metadata();
      metadata.set('traceparent', `00-${traceId}-${parentId}-01`);
      await call(client, client.getStats, {}, { metadata });
      const span = await waitFor(
        () =>
          otlp.spans.find(
            (s) => s.traceId === traceId && s.name === 'grpc.fig.store.v1.StoreService/GetStats',
          ),
        { what: 'the GetStats server span' },
      );
      expect([span.service, span.kind, span.parentSpanId]).toEqual(['store-svc', 2, parentId]);
      const redisCalls = otlp.spans.filter(
        (s) => s.traceId === traceId && s.name.startsWith('redis-'),
      );
      expect(redisCalls.map((s) => [s.name, s.parentSpanId]).sort()).toEqual([
        ['redis-GET', span.spanId],
        ['redis-HGETALL', span.spanId],
      ]);
      // The health poller's PINGs (every 500 ms) are kept out of traces.
      expect(otlp.spans.filter((s) => s.name === 'redis-PING')).toHaveLength(0);
    } finally {
      client.close();
      health.close();
      await store.kill();
      await otlp.close();
    }
  });

  it('on SIGTERM finishes the in-flight call, refuses new ones, reports NOT_SERVING and exits 0', async () => {
    const store = await startStoreProcess(redis.url);
    const health = healthClient(store.port);
    const client = new StoreServiceClient(`127.0.0.1:${store.port}`, credentials.createInsecure());
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await waitFor(async () => (await health.status()) === 'SERVING', { what: 'SERVING' });
      // Writes wait in Redis for 1.5 s (reads and PING do not): a slow call in flight.
      await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'WRITE']);
      const inFlight = call(client, client.incrementVisits, {}, { deadlineMs: 5_000 });
      await waitFor(
        async () =>
          (await (await fetch(`${store.ops}/metrics`)).text()).match(
            /grpc_server_in_flight\{[^}]*"IncrementVisits"[^}]*\} 1/,
          ),
        {
          what: 'the call to be in flight',
        },
      );
      expect(await health.status()).toBe('SERVING');

      store.proc.signal('SIGTERM');
      await waitFor(async () => (await health.status()) === 'NOT_SERVING', { what: 'NOT_SERVING' });
      expect((await fetch(`${store.ops}/readyz`)).status).toBe(503);
      const refused = await waitFor(
        async () => {
          const fresh = new StoreServiceClient(
            `127.0.0.1:${store.port}`,
            credentials.createInsecure(),
          );
          const error = await failure(call(fresh, fresh.getStats, {}, { deadlineMs: 500 })).catch(
            () => undefined,
          );
          fresh.close();
          return error?.code === status.UNAVAILABLE ? error : undefined;
        },
        { what: 'new calls to be refused' },
      );
      expect(refused.code).toBe(status.UNAVAILABLE);
      await expect(inFlight).resolves.toEqual({ visits: 1 });
      expect(await store.proc.exited).toBe(0);
    } finally {
      client.close();
      health.close();
      await admin.close();
      await store.kill();
    }
  });

  it('cuts in-flight calls once SHUTDOWN_TIMEOUT_MS is spent, and still exits 0', async () => {
    const store = await startStoreProcess(redis.url, {
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '200',
    });
    const client = new StoreServiceClient(`127.0.0.1:${store.port}`, credentials.createInsecure());
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.sendCommand(['CLIENT', 'PAUSE', '2000', 'WRITE']);
      const inFlight = failure(call(client, client.incrementVisits, {}, { deadlineMs: 5_000 }));
      await waitFor(
        async () =>
          (await (await fetch(`${store.ops}/metrics`)).text()).match(
            /grpc_server_in_flight\{[^}]*"IncrementVisits"[^}]*\} 1/,
          ),
        {
          what: 'the call to be in flight',
        },
      );
      const signalled = Date.now();
      store.proc.signal('SIGTERM');
      expect([status.CANCELLED, status.UNAVAILABLE]).toContain((await inFlight).code);
      expect(Date.now() - signalled).toBeLessThan(1_500);
      expect(await store.proc.exited).toBe(0);
    } finally {
      client.close();
      await admin.close();
      await store.kill();
    }
  });

  it('the client spreads calls over two instances and keeps succeeding when one is killed', async () => {
    const [one, two] = await Promise.all([
      startStoreProcess(redis.url),
      startStoreProcess(redis.url),
    ]);
    const client = createStoreClient({
      target: `ipv4:127.0.0.1:${one.port},127.0.0.1:${two.port}`,
    });
    const list = () =>
      call(client, client.listEntries, { pageSize: 5, pageToken: '' }, { deadlineMs: 2_000 });
    try {
      const countBoth = () =>
        Promise.all([handledCount(one.ops, 'ListEntries'), handledCount(two.ops, 'ListEntries')]);
      // Round robin only picks connected instances; measure once both are.
      await waitFor(async () => (await list()) && (await countBoth()).every((n) => n > 0), {
        what: 'both connected',
      });
      const before = await countBoth();
      for (let i = 0; i < 40; i++) await list();
      const counts = (await countBoth()).map((n, i) => n - before[i]!) as [number, number];
      expect(counts[0] + counts[1]).toBe(40);
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(10);

      // Four callers keep going while one instance dies under them: calls on its
      // connection fail UNAVAILABLE and the channel retries them on the other.
      let done = 0;
      const errors: ServiceError[] = [];
      let killed: Promise<void> | undefined;
      const worker = async () => {
        while (done < 200) {
          await list().catch((err: ServiceError) => errors.push(err));
          if (++done === 20) killed = one.kill();
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      await killed;
      expect(errors.map((e) => `${e.code} ${e.details}`)).toEqual([]);
      expect(await handledCount(two.ops, 'ListEntries')).toBeGreaterThan(
        before[1]! + counts[1] + 100,
      );
    } finally {
      client.close();
      await Promise.all([one.kill(), two.kill()]);
    }
  });
});
