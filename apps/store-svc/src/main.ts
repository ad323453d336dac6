import { loadConfig } from '@fig/config';
import { connectRedis, redisCheck } from '@fig/redis';
import { createOpsServer, installSignalHandlers, runMain, serviceFoundation } from '@fig/service';
import { flushTelemetry } from '@fig/telemetry';
import { createStoreServer } from './app';
import { storeConfigSchema } from './config';

runMain(async () => {
  const config = loadConfig(storeConfigSchema);
  const service = 'store-svc';
  const { logger, metrics, lifecycle } = serviceFoundation(service, config);

  const redis = await connectRedis({
    url: config.REDIS_URL,
    logger,
    name: `${service}:${config.POD_NAME}`,
  });
  const subscriber = redis.duplicate({ name: `${service}:${config.POD_NAME}:events` });
  // Reconnects are the client's job; without a listener an error event would crash us.
  subscriber.on('error', (err: Error) =>
    logger.debug({ err }, 'redis subscriber connection error'),
  );
  const store = createStoreServer({ redis, subscriber, logger, registry: metrics.registry });
  store.feed
    .start()
    .catch((err: unknown) =>
      logger.error({ err }, 'redis subscription failed; WatchEntries is silent'),
    );

  const ops = createOpsServer({
    checks: [redisCheck(redis)],
    registry: metrics.registry,
    isDraining: () => lifecycle.draining,
  });
  const [port, opsPort] = await Promise.all([
    store.listen(config.PORT, config.BIND_ADDRESS),
    ops.listen(config.OPS_PORT, config.BIND_ADDRESS),
  ]);

  lifecycle
    .onDrain('grpc health', store.drain)
    .addServer({ name: 'grpc', close: store.close, force: store.force })
    .addCleanup('telemetry', flushTelemetry)
    .addCleanup('redis', () =>
      Promise.all([redis.close(), subscriber.isOpen && subscriber.close()]),
    )
    .addCleanup('ops', () => new Promise((resolve) => ops.server.close(resolve)));
  installSignalHandlers(lifecycle, logger);
  logger.info({ port, opsPort }, 'store-svc listening');
});
