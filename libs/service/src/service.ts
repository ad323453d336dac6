import type { BaseEnv } from '@fig/config';
import { createLogger } from '@fig/logging';
import { Lifecycle } from './lifecycle';
import { createMetrics } from './metrics';

/**
 * What every service builds first from its parsed configuration: a logger
 * labelled with who it is, a metrics registry with its build info, and the
 * shutdown sequence with its timings.
 */
export function serviceFoundation(service: string, config: BaseEnv) {
  const version = config.APP_VERSION;
  const logger = createLogger({ service, version, pod: config.POD_NAME, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service, version });
  const lifecycle = new Lifecycle({
    logger,
    delayMs: config.SHUTDOWN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  return { logger, metrics, lifecycle };
}
