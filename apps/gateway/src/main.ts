import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { propagation } from '@opentelemetry/api';
import { ConfigError, loadConfig } from '@fig/config';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import { connectRedis, redisCheck, type RedisClient } from '@fig/redis';
import {
  type Check,
  createOpsServer,
  installSignalHandlers,
  listen,
  runMain,
  serviceFoundation,
} from '@fig/service';
import { storeRpcs } from './transcode/transcoder';
import { createStoreClient, GrpcGuestbook, storeCheck } from '@fig/store-client';
import { flushTelemetry } from '@fig/telemetry';
import { Gateway } from './app';
import { gatewayConfigSchema } from './config';
import { opsRoutes, upstreamsCheck } from './ops';
import { RouteHistory } from './routes/history';
import { RouteFileError } from './routes/load';
import { RouteWatcher } from './routes/watch';

runMain(async () => {
  const config = loadConfig(gatewayConfigSchema);
  const service = 'gateway';
  const { logger, metrics, lifecycle } = serviceFoundation(service, config);

  // The route file may reference any variable (${MONOLITH_URL}, secrets), so it sees the whole environment.
  const watcher = new RouteWatcher(config.GATEWAY_ROUTES, process.env);
  const routes = await watcher.load().catch((err: unknown) => {
    if (err instanceof RouteFileError) throw new ConfigError([`${err.file}:`, ...err.problems]);
    const code = (err as NodeJS.ErrnoException).code;
    throw code
      ? new ConfigError([`GATEWAY_ROUTES: cannot read ${config.GATEWAY_ROUTES} (${code})`])
      : err;
  });

  let redis: RedisClient | undefined;
  if (config.REDIS_URL) {
    redis = await connectRedis({
      url: config.REDIS_URL,
      logger,
      name: `${service}:${config.POD_NAME}`,
      connectWaitMs: 1_000,
    });
  } else {
    logger.warn('REDIS_URL not set: rate limits are counted per replica');
  }
  // grpc-js connects lazily, so a stage without store-svc never dials it.
  const storeClient = createStoreClient({ target: config.STORE_ADDR });

  const gateway = new Gateway({
    routes,
    logger,
    registry: metrics.registry,
    store: new GrpcGuestbook(storeClient),
    ...(redis ? { redis } : {}),
    tls: Boolean(config.TLS_CERT_FILE),
    accessLog: config.ACCESS_LOG,
    servedBy: config.SERVED_BY_HEADER,
    // With tracing on, the SDK injects traceparent for the gateway's own span; the
    // caller's copy must go, or upstreams would see two. With tracing off, fields()
    // is empty and the caller's context passes through untouched.
    stripTrace: new Set(propagation.fields()),
    isDraining: () => lifecycle.draining,
    maxInFlightPerClient: config.MAX_IN_FLIGHT_PER_CLIENT,
  });
  const history = new RouteHistory(config.GATEWAY_ROUTES, config.GATEWAY_ROUTE_HISTORY);
  await gateway.apply(routes);
  history.record(routes, 'startup');
  watcher.on('loaded', (next) => {
    gateway.apply(next).then(
      () => history.record(next, 'reload'),
      (err: unknown) => {
        if (err instanceof RouteFileError) gateway.reject(err);
        else throw err;
      },
    );
  });
  watcher.on('rejected', (err) => gateway.reject(err));
  watcher.start();

  const limits = boundedServerOptions({
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
  });
  const server: Server = answerClientErrors(
    config.TLS_CERT_FILE
      ? createHttpsServer(
          {
            ...limits,
            cert: readFileSync(config.TLS_CERT_FILE),
            key: readFileSync(config.TLS_KEY_FILE!),
          },
          gateway.handle,
        )
      : createHttpServer(limits, gateway.handle),
  );
  // Longer than the idle timeout of the load balancers in front, so they close first.
  server.keepAliveTimeout = 65_000;

  const store = storeCheck(storeClient);
  const checks: Check[] = [
    upstreamsCheck(gateway),
    {
      name: 'store',
      // Only a table with routes transcoded to StoreService depends on store-svc.
      run: (signal) =>
        gateway.routes.routes.some((r) =>
          [r.spec.transcode?.rpc, r.spec.mirror?.transcode?.rpc].some(
            (rpc) => rpc && storeRpcs.has(rpc),
          ),
        )
          ? store.run(signal)
          : Promise.resolve('unused'),
    },
    ...(redis ? [{ ...redisCheck(redis), critical: false }] : []),
  ];
  const ops = createOpsServer({
    checks,
    registry: metrics.registry,
    isDraining: () => lifecycle.draining,
    routes: opsRoutes(gateway, config.GATEWAY_ROUTES, history),
  });
  const [port, opsPort] = await Promise.all([
    listen(server, config.PORT, config.BIND_ADDRESS),
    ops.listen(config.OPS_PORT, config.BIND_ADDRESS),
  ]);

  lifecycle
    .addHttpServer('http', server)
    .addCleanup('routes', () => watcher.stop())
    .addCleanup('upstreams', () => gateway.close())
    .addCleanup('telemetry', flushTelemetry)
    .addCleanup('store', () => storeClient.close())
    .addCleanup('redis', () => redis?.close())
    .addCleanup('ops', () => new Promise((resolve) => ops.server.close(resolve)));
  installSignalHandlers(lifecycle, logger);
  logger.info(
    {
      port,
      opsPort,
      routes: config.GATEWAY_ROUTES,
      routes_version: routes.version,
      tls: Boolean(config.TLS_CERT_FILE),
    },
    'gateway listening',
  );
});
