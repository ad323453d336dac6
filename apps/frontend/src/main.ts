import { createServer } from 'node:http';
import { CircuitBreaker } from '@fig/breaker';
import { loadConfig } from '@fig/config';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import { liveEvents } from '@fig/guestbook-web';
import { createModelClient, grpcTransport, httpTransport } from '@fig/model-client';
import {
  createOpsServer,
  installSignalHandlers,
  listen,
  runMain,
  serviceFoundation,
} from '@fig/service';
import { GrpcGuestbook, createStoreClient, storeCheck } from '@fig/store-client';
import { flushTelemetry } from '@fig/telemetry';
import { createFrontend } from './app';
import { frontendConfigSchema } from './config';
import { StoreFeed } from './store-feed';

runMain(async () => {
  const config = loadConfig(frontendConfigSchema);
  const service = 'frontend';
  const { logger, metrics, lifecycle } = serviceFoundation(service, config);

  const storeClient = createStoreClient({
    target: config.STORE_ADDR,
    deadlineMs: config.STORE_DEADLINE_MS,
    // grpc-js backs off up to 120 s between reconnects; a store-svc that comes
    // back at the same address (a restart, npm start) should be found in ~2 s.
    channelOptions: {
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
    },
  });
  const store = new GrpcGuestbook(storeClient, { deadlineMs: config.STORE_DEADLINE_MS });
  // Stage 4 scores with model-svc over gRPC; before, with the monolith's /api/sentiment.
  const transport = config.MODEL_ADDR
    ? grpcTransport(config.MODEL_ADDR)
    : httpTransport(config.MONOLITH_URL);
  const breaker = new CircuitBreaker({
    consecutiveFailures: config.MODEL_BREAKER_FAILURES,
    openMs: config.MODEL_BREAKER_COOLDOWN_MS,
    onStateChange: (to, from) =>
      logger[to === 'open' ? 'warn' : 'info'](
        { from, to, model: transport.target },
        'model circuit changed',
      ),
  });
  const model = createModelClient({
    transport,
    timeoutMs: config.MODEL_TIMEOUT_MS,
    breaker,
  });
  const feed = new StoreFeed({ watch: (signal) => store.watchEntries(signal), logger });
  const live = liveEvents({ feed });

  const app = createFrontend({
    store,
    scorer: model,
    modelBreaker: breaker,
    live,
    logger,
    metrics,
    version: config.APP_VERSION,
    pod: config.POD_NAME,
    isDraining: () => lifecycle.draining,
  });

  const server = answerClientErrors(createServer(boundedServerOptions(), app));
  const ops = createOpsServer({
    checks: [storeCheck(storeClient), model.check],
    registry: metrics.registry,
    isDraining: () => lifecycle.draining,
  });
  const [port, opsPort] = await Promise.all([
    listen(server, config.PORT, config.BIND_ADDRESS),
    ops.listen(config.OPS_PORT, config.BIND_ADDRESS),
  ]);

  lifecycle
    .addHttpServer('http', server)
    // Open event streams never finish on their own: end them when the server
    // stops accepting, so browsers reconnect to an instance that is staying.
    .addServer({ name: 'live', close: async () => live.closeAll(), force: () => live.closeAll() })
    .addCleanup('telemetry', flushTelemetry)
    .addCleanup('store', () => {
      feed.close();
      storeClient.close();
    })
    .addCleanup('model', () => model.close())
    .addCleanup('ops', () => new Promise((resolve) => ops.server.close(resolve)));
  installSignalHandlers(lifecycle, logger);
  logger.info(
    { port, opsPort, store: config.STORE_ADDR, model: transport.target },
    'frontend listening',
  );
});
