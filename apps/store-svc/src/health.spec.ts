import { status } from '@grpc/grpc-js';
import { createClient } from 'redis';
import { storeServiceName } from '@fig/proto';
import { startRedis, waitFor, type RedisServer } from '@fig/testing';
import { grpcCall as call, grpcFailure as failure } from '@fig/testing';
import { healthClient } from '../test/health-client';
import { startStore, type RunningStore } from '../test/harness';

describe('store-svc health (grpc.health.v1) and Redis outages', () => {
  let redis: RedisServer;
  let running: RunningStore;
  let health: ReturnType<typeof healthClient>;

  beforeAll(async () => {
    redis = await startRedis();
    running = await startStore(redis.url);
    health = healthClient(running.port);
  });
  afterAll(async () => {
    health?.close();
    await running?.stop();
    await redis?.dispose();
  });

  it('reports SERVING overall and for StoreService, and NOT_FOUND for unknown services', async () => {
    await waitFor(async () => (await health.status()) === 'SERVING', { what: 'SERVING' });
    expect(await health.status(storeServiceName)).toBe('SERVING');
    expect(await health.status('no.such.Service')).toBe(`error ${status.NOT_FOUND}`);
  });

  it('answers a Watch of an unknown service with SERVICE_UNKNOWN, keeping the stream open', async () => {
    const watch = health.watch('no.such.Service');
    try {
      await waitFor(() => watch.seen.length > 0, { what: 'the first status' });
      expect(watch.seen).toEqual(['SERVICE_UNKNOWN']);
    } finally {
      watch.cancel();
    }
  });

  it('fails calls with UNAVAILABLE within their deadline while Redis is down, then recovers within 2 s', async () => {
    const { client } = running;
    await redis.stop();
    try {
      const started = Date.now();
      const errors = await Promise.all([
        failure(
          call(client, client.listEntries, { pageSize: 5, pageToken: '' }, { deadlineMs: 1_000 }),
        ),
        failure(call(client, client.getStats, {}, { deadlineMs: 1_000 })),
        failure(call(client, client.incrementVisits, {}, { deadlineMs: 1_000 })),
        failure(
          call(
            client,
            client.addEntry,
            { author: 'A', text: 'b', idempotencyKey: '', sentiment: undefined },
            { deadlineMs: 1_000 },
          ),
        ),
      ]);
      expect(errors.map((e) => e.code)).toEqual(Array(4).fill(status.UNAVAILABLE));
      expect(Date.now() - started).toBeLessThan(1_000);
      await waitFor(async () => (await health.status()) === 'NOT_SERVING', {
        timeoutMs: 2_000,
        what: 'NOT_SERVING',
      });
      expect(await health.status(storeServiceName)).toBe('NOT_SERVING');
    } finally {
      await redis.start();
    }
    const back = Date.now();
    await waitFor(async () => (await health.status(storeServiceName)) === 'SERVING', {
      timeoutMs: 2_000,
      what: 'SERVING',
    });
    await waitFor(() => call(client, client.getStats, {}, { deadlineMs: 500 }).then(() => true), {
      timeoutMs: 2_000,
      what: 'GetStats to succeed',
    });
    expect(Date.now() - back).toBeLessThan(2_000);
  });

  it('turns NOT_SERVING while Redis is connected but not answering, and back after', async () => {
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await waitFor(async () => (await health.status()) === 'SERVING', { what: 'SERVING' });
      await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'ALL']);
      await waitFor(async () => (await health.status()) === 'NOT_SERVING', {
        timeoutMs: 1_400,
        what: 'NOT_SERVING',
      });
      await waitFor(async () => (await health.status()) === 'SERVING', {
        timeoutMs: 2_500,
        what: 'SERVING again',
      });
    } finally {
      await admin.close();
    }
  });

  it('sends on a Watch stream only when the status changes, not at every Redis probe', async () => {
    await waitFor(async () => (await health.status()) === 'SERVING', { what: 'SERVING' });
    const watch = health.watch();
    try {
      await waitFor(() => watch.seen.length > 0, { what: 'the first status' });
      // The Redis probe runs every 0.5 s and reports SERVING each time.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(watch.seen).toEqual(['SERVING']);
      running.store.drain();
      await waitFor(() => watch.seen.length > 1, { what: 'the change' });
      expect(watch.seen).toEqual(['SERVING', 'NOT_SERVING']);
    } finally {
      watch.cancel();
    }
  });

  it('turns NOT_SERVING when draining, while still answering calls', async () => {
    running.store.drain();
    expect(await health.status()).toBe('NOT_SERVING');
    expect(await health.status(storeServiceName)).toBe('NOT_SERVING');
    await expect(call(running.client, running.client.getStats, {})).resolves.toMatchObject({
      entries: 0,
    });
  });
});
