import { createServer } from 'node:http';
import { loadConfig } from '@fig/config';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import { RedisGuestbook } from '@fig/guestbook-redis';
import { connectRedis, redisCheck } from '@fig/redis';
import {
  createOpsServer,
  installSignalHandlers,
  listen,
  runMain,
  serviceFoundation,
} from '@fig/service';
import { createModel } from '@fig/sentiment';
import { flushTelemetry } from '@fig/telemetry';
import { createMonolith } from './app';
import { monolithConfigSchema } from './config';

runMain(async () => {
  const config = loadConfig(monolithConfigSchema);
  const service = 'monolith';
  const { logger, metrics, lifecycle } = serviceFoundation(service, config);

  const redis = await connectRedis({
    url: config.REDIS_URL,
    logger,
    name: `${service}:${config.POD_NAME}`,
  });
  const app = createMonolith({
    store: new RedisGuestbook(redis),
    model: createModel(config.MODEL_VERSION),
    logger,
    metrics,
    version: config.APP_VERSION,
    pod: config.POD_NAME,
    isDraining: () => lifecycle.draining,
  });

  const server = answerClientErrors(createServer(boundedServerOptions(), app));
  const ops = createOpsServer({
    checks: [redisCheck(redis)],
    registry: metrics.registry,
    isDraining: () => lifecycle.draining,
  });
  const [port, opsPort] = await Promise.all([
    listen(server, config.PORT, config.BIND_ADDRESS),
    ops.listen(config.OPS_PORT, config.BIND_ADDRESS),
  ]);

  lifecycle
    .addHttpServer('http', server)
    .addCleanup('telemetry', flushTelemetry)
    .addCleanup('redis', () => redis.close())
    .addCleanup('ops', () => new Promise((resolve) => ops.server.close(resolve)));
  installSignalHandlers(lifecycle, logger);
  logger.info({ port, opsPort, model: config.MODEL_VERSION }, 'monolith listening');
});
