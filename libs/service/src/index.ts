export { createMetrics, httpMetrics, latencyBuckets, type Metrics } from './metrics';
export { runChecks, type Check, type ReadinessReport } from './checks';
export { createOpsServer, type OpsServerOptions, type OpsRoute } from './ops-server';
export { Lifecycle, installSignalHandlers, type LifecycleOptions } from './lifecycle';
export { listen, runMain } from './main';
export { serviceFoundation } from './service';
