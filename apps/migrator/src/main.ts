import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from '@fig/config';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import { migrationFileSchema, parseYamlFile, YamlFileError } from '@fig/migration';
import {
  createOpsServer,
  installSignalHandlers,
  listen,
  runMain,
  serviceFoundation,
} from '@fig/service';
import { flushTelemetry } from '@fig/telemetry';
import { createControlApi } from './api';
import { migratorConfigSchema, type MigratorConfig } from './config';
import { Controller } from './controller';
import type { Driver } from './drivers/driver';
import { fileStore } from './drivers/file';
import { istioDriver } from './drivers/istio';
import {
  configMapStore,
  CoreV1Api,
  CustomObjectsApi,
  kubeConfig,
  virtualServiceRoutes,
} from './drivers/kube';
import { routeTextDriver } from './drivers/route-text';
import { createMigratorMetrics } from './metrics';
import { configMapProgress, fileProgress, type ProgressStore } from './state';

/** The driver and the progress store the configuration asks for. */
function wire(config: MigratorConfig): { driver: Driver; store: ProgressStore } {
  if (config.MIGRATOR_DRIVER === 'file')
    return {
      driver: routeTextDriver('file', fileStore(config.GATEWAY_ROUTES!)),
      store: fileProgress(config.MIGRATOR_STATE),
    };
  const kube = kubeConfig();
  const core = kube.makeApiClient(CoreV1Api);
  const namespace = config.KUBE_NAMESPACE;
  const store = configMapProgress(core, { namespace, name: config.MIGRATOR_STATE_CONFIGMAP });
  if (config.MIGRATOR_DRIVER === 'configmap') {
    const routes = configMapStore(core, {
      namespace,
      name: config.GATEWAY_CONFIGMAP,
      key: config.GATEWAY_CONFIGMAP_KEY,
    });
    return { driver: routeTextDriver('configmap', routes), store };
  }
  const custom = kube.makeApiClient(CustomObjectsApi);
  return {
    driver: istioDriver(virtualServiceRoutes(custom, { namespace, name: config.VIRTUAL_SERVICE! })),
    store,
  };
}

runMain(async () => {
  const config = loadConfig(migratorConfigSchema);
  const { logger, metrics, lifecycle } = serviceFoundation('migrator', config);

  const migrations = await readFile(config.MIGRATIONS, 'utf8')
    .then((text) => parseYamlFile(migrationFileSchema, text, config.MIGRATIONS))
    .catch((err: unknown) => {
      if (err instanceof YamlFileError) throw new ConfigError([`${err.file}:`, ...err.problems]);
      const code = (err as NodeJS.ErrnoException).code;
      throw code
        ? new ConfigError([`MIGRATIONS: cannot read ${config.MIGRATIONS} (${code})`])
        : err;
    });
  const { driver, store } = wire(config);
  const controller = await new Controller({
    migrations,
    driver,
    store,
    gatewayOpsUrls: config.GATEWAY_OPS_URLS,
    logger,
    metrics: createMigratorMetrics(metrics.registry),
  }).load();

  const server = answerClientErrors(
    createServer(boundedServerOptions(), createControlApi(controller)),
  );
  const ops = createOpsServer({
    checks: [],
    registry: metrics.registry,
    isDraining: () => lifecycle.draining,
  });
  const [port, opsPort] = await Promise.all([
    listen(server, config.PORT, config.CONTROL_ADDRESS),
    ops.listen(config.OPS_PORT, config.BIND_ADDRESS),
  ]);
  controller.start();

  lifecycle
    // Stop deciding first: no step is written while the process is going away.
    .onDrain('controller', () => controller.stop())
    .addHttpServer('http', server)
    .addCleanup('telemetry', flushTelemetry)
    .addCleanup('ops', () => new Promise((resolve) => ops.server.close(resolve)));
  installSignalHandlers(lifecycle, logger);
  logger.info(
    { port, opsPort, driver: driver.kind, routes: migrations.migrations.map((m) => m.route) },
    'migrator listening',
  );
});
