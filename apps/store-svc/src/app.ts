import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { RedisGuestbook } from '@fig/guestbook-redis';
import type { RedisClient } from '@fig/redis';
import type { Logger } from '@fig/logging';
import { descriptorSetBase64, storeServiceName, StoreServiceService } from '@fig/proto';
import type { Registry } from 'prom-client';
import { EntryFeed } from './feed';
import { StoreHealth, watchRedis } from './health';
import { rpcMetrics } from './metrics';
import { createStoreService } from './service';

export const serverOptions: ChannelOptions = {
  // Ping idle connections so a vanished client (node gone, no FIN) is noticed.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  // No grace after a connection's max age (below): only new calls move, and a
  // WatchEntries stream stays on its connection until it ends or store-svc
  // shuts down, instead of being cut (and every browser resynced) each time.
  // The largest valid request is a few KiB; a page of 100 entries ~200 KiB.
  'grpc.max_receive_message_length': 64 * 1024,
  'grpc.max_send_message_length': 1024 * 1024,
  // Channelz stays on although nothing serves it: grpc-js 1.14's
  // forceShutdown() destroys only the sessions it tracks for channelz, so
  // without it in-flight calls outlive the shutdown budget (main.spec.ts).
};

/**
 * How long a client connection lives before store-svc asks the client to make
 * a new one (a GOAWAY; grpc-js adds ±10 % jitter). Clients resolve
 * `store-svc` (a headless Service) only when a connection changes, so this is
 * how a channel that started while one replica was ready learns of the
 * others. At 5 minutes a rolling update a minute after a deploy found every
 * frontend connected to one old replica only: when it drained, its health
 * said NOT_SERVING to all of them at once and the frontend Service had no
 * ready pod for 2 s (ADR 0121).
 */
export const maxConnectionAgeMs = 30_000;

export interface StoreServerDeps {
  redis: RedisClient;
  /** A second connection for pub/sub (a subscribed connection runs no other commands). */
  subscriber: RedisClient;
  logger: Logger;
  registry: Registry;
  /** Tests shorten it; see `maxConnectionAgeMs`. */
  connectionAgeMs?: number;
}

/** store-svc without listening: StoreService, health and reflection on one gRPC server. */
export function createStoreServer({
  redis,
  subscriber,
  logger,
  registry,
  connectionAgeMs = maxConnectionAgeMs,
}: StoreServerDeps) {
  const health = new StoreHealth();
  const feed = new EntryFeed(subscriber, logger);
  const server = new Server({ ...serverOptions, 'grpc.max_connection_age_ms': connectionAgeMs });
  server.addService(
    StoreServiceService,
    createStoreService({
      guestbook: new RedisGuestbook(redis),
      feed,
      logger,
      metrics: rpcMetrics(registry, storeServiceName),
    }),
  );
  health.service.addToServer(server);
  const descriptors = loadFileDescriptorSetFromBuffer(Buffer.from(descriptorSetBase64, 'base64'));
  // The descriptor set holds every Fig contract and the health protocol: list
  // the ones served here, so a client like grpcurl can call
  // grpc.health.v1.Health without a local proto.
  new ReflectionService(descriptors, {
    services: [storeServiceName, 'grpc.health.v1.Health'],
  }).addToServer(server);
  const stopWatching = watchRedis(redis, (up) => health.setRedisUp(up));

  return {
    server,
    health,
    feed,
    /** Binds and resolves with the port (the OS picks one for 0). */
    listen(port: number, host = '0.0.0.0'): Promise<number> {
      return new Promise((resolve, reject) =>
        server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
          err ? reject(err) : resolve(bound),
        ),
      );
    },
    /** Shutdown step 1: health NOT_SERVING, while calls are still served. */
    drain: () => health.drain(),
    /** Step 2: end watch streams, refuse new calls, resolve when in-flight calls are done. */
    close(): Promise<void> {
      stopWatching();
      feed.close();
      return new Promise((resolve) => server.tryShutdown(() => resolve()));
    },
    /** Step 3, once the budget is spent: cancel whatever is still running. */
    force: () => server.forceShutdown(),
  };
}

export type StoreServer = ReturnType<typeof createStoreServer>;
