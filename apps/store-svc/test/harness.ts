import pino from 'pino';
import { Registry } from 'prom-client';
import { connectRedis, type RedisClient } from '@fig/redis';
import { createStoreClient } from '@fig/store-client';
import type { StoreServiceClient } from '@fig/proto';
import { createStoreServer, type StoreServer } from '../src/app';

export const silent = pino({ level: 'silent' });

export interface RunningStore {
  store: StoreServer;
  client: StoreServiceClient;
  registry: Registry;
  redis: RedisClient;
  port: number;
  stop(): Promise<void>;
}

/** store-svc in this process on a free port, with its own Redis connections, as main.ts wires it. */
export async function startStore(
  redisUrl: string,
  { connectionAgeMs }: { connectionAgeMs?: number } = {},
): Promise<RunningStore> {
  const redis = await connectRedis({ url: redisUrl, logger: silent, name: 'store-test' });
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const registry = new Registry();
  const store = createStoreServer({
    redis,
    subscriber,
    logger: silent,
    registry,
    connectionAgeMs,
  });
  await store.feed.start();
  const port = await store.listen(0, '127.0.0.1');
  const client = createStoreClient({ target: `127.0.0.1:${port}` });
  return {
    store,
    client,
    registry,
    redis,
    port,
    async stop() {
      client.close();
      store.drain();
      store.force();
      await store.close();
      redis.destroy();
      subscriber.destroy();
    },
  };
}
