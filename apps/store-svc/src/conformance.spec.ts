import { describeStoreServiceConformance } from '@fig/conformance';
import { startRedis, type RedisServer } from '@fig/testing';
import { startStore, type RunningStore } from '../test/harness';

// The shared StoreService suite against this implementation, on a Redis of its own.
describe('store-svc', () => {
  let redis: RedisServer;
  let store: RunningStore;
  beforeAll(async () => {
    redis = await startRedis();
    store = await startStore(redis.url);
  });
  afterAll(async () => {
    await store?.stop();
    await redis?.dispose();
  });

  describeStoreServiceConformance('TypeScript store-svc', () => `127.0.0.1:${store.port}`);
});
