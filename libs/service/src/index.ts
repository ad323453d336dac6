export { createMetrics, httpMetrics, latencyBuckets, type Metrics } from './metrics';
export type { Check, ReadinessReport } from './checks';
export { createOpsServer, type OpsServerOptions, type OpsRoute } from './ops-server';
export { installSignalHandlers, type Lifecycle, type LifecycleOptions } from './lifecycle';
export { listen, runMain } from './main';
export { serviceFoundation } from './service';
