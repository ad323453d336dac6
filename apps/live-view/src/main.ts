import { createServer } from 'node:http';
import { Gauge } from 'prom-client';
import { loadConfig } from '@fig/config';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import {
  createOpsServer,
  installSignalHandlers,
  listen,
  runMain,
  serviceFoundation,
} from '@fig/service';
import { flushTelemetry } from '@fig/telemetry';
import { createLiveView } from './app';
import { liveViewConfigSchema } from './config';
import { GatewaySource } from './gateway-source';
import { httpGetters } from './http';
import { LiveHub } from './hub';
import { readMigrations } from './migrator-source';
import { replicaUrls } from './replicas';
import { viewBuilder } from './snapshot';

runMain(async () => {
  const config = loadConfig(liveViewConfigSchema);
  const { logger, metrics, lifecycle } = serviceFoundation('live-view', config);
  const { fetchJson, fetchText } = httpGetters(config.SOURCE_TIMEOUT_MS);

  const gateway = config.GATEWAY_OPS_URL
    ? new GatewaySource({
        opsUrl: config.GATEWAY_OPS_URL.replace(/\/$/, ''),
        fetchJson,
        fetchText,
        resolve: replicaUrls,
        windowMs: config.RATE_WINDOW_MS,
      })
    : undefined;
  const migratorUrl = config.MIGRATOR_URL?.replace(/\/$/, '');
  // Inside a pod, or given a kubeconfig: the cluster panel, from informers. The
  // Kubernetes client is most of this app's weight (ADR 0502), so it is a
  // separate file of the bundle, loaded only here.
  const cluster =
    config.KUBERNETES_SERVICE_HOST || config.KUBECONFIG
      ? (await import('./cluster-source')).watchCluster({
          namespace: config.KUBE_NAMESPACE,
          logger,
        })
      : undefined;

  const streams = new Gauge({
    name: 'live_view_streams',
    help: 'Event streams open to browsers',
    registers: [metrics.registry],
  });
  const stage = config.STAGE ?? 'stage unknown';
  const build = viewBuilder({
    stage,
    ...(gateway ? { gateway } : {}),
    ...(migratorUrl ? { migrations: () => readMigrations(migratorUrl, fetchJson) } : {}),
    ...(cluster ? { cluster } : {}),
  });
  const hub = new LiveHub({
    build,
    intervalMs: config.INTERVAL_MS,
    logger,
    onTick: (n) => streams.set(n),
  });
  await hub.start();

  const app = createLiveView({
    hub,
    stage,
    logger,
    metrics,
    isDraining: () => lifecycle.draining,
  });
  const server = answerClientErrors(createServer(boundedServerOptions(), app));
  const ops = createOpsServer({
    // The page is useful with any source missing (it says which), so nothing makes it unready.
    checks: [],
    registry: metrics.registry,
    isDraining: () => lifecycle.draining,
  });
  const [port, opsPort] = await Promise.all([
    listen(server, config.PORT, config.BIND_ADDRESS),
    ops.listen(config.OPS_PORT, config.BIND_ADDRESS),
  ]);

  lifecycle
    .addHttpServer('http', server)
    // Open streams never end on their own: end them so browsers reconnect to a staying replica.
    .addServer({ name: 'events', close: async () => hub.stop(), force: () => hub.stop() })
    .addCleanup('telemetry', flushTelemetry)
    .addCleanup('cluster', () => cluster?.stop())
    .addCleanup('ops', () => new Promise((resolve) => ops.server.close(resolve)));
  installSignalHandlers(lifecycle, logger);
  logger.info(
    { port, opsPort, gateway: config.GATEWAY_OPS_URL, migrator: migratorUrl, cluster: !!cluster },
    'live view listening',
  );
});
