import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from '@fig/service';
import type { BreakerState } from '@fig/breaker';
import { RedMetrics } from './red';

const breakerValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The gateway's metrics, on the service registry. Every label comes from the
 * route file (route, upstream, version) or a small fixed set, so series stay
 * bounded whatever clients send. The per-request ones live in RedMetrics.
 */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  const errors = new Counter({
    name: 'gateway_upstream_errors_total',
    help: 'Failed upstream attempts, by route, upstream and kind (connect, timeout, status, breaker_open, no_endpoint)',
    labelNames: ['route', 'upstream', 'kind'],
    registers,
  });
  const red = new RedMetrics(registry);

  return {
    /** Counts one answered request and its latency. */
    observe: red.observe.bind(red),
    upstreamError: (route: string, upstream: string, kind: string) =>
      errors.labels(route, upstream, kind).inc(),
    retries: new Counter({
      name: 'gateway_retries_total',
      help: 'Retried upstream attempts, by route and upstream',
      labelNames: ['route', 'upstream'],
      registers,
    }),
    breakerState: (() => {
      const gauge = new Gauge({
        name: 'gateway_breaker_state',
        help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
        labelNames: ['upstream'],
        registers,
      });
      return (upstream: string, state: BreakerState) =>
        gauge.set({ upstream }, breakerValue[state]);
    })(),
    ejections: new Counter({
      name: 'gateway_endpoint_ejections_total',
      help: 'Endpoints taken out of rotation by passive outlier detection, by upstream',
      labelNames: ['upstream'],
      registers,
    }),
    shadow: new Counter({
      name: 'gateway_shadow_total',
      help: 'Mirrored requests by route and result: match, mismatch, or error (the candidate failed)',
      labelNames: ['route', 'result'],
      registers,
    }),
    shadowDuration: new Histogram({
      name: 'gateway_shadow_duration_seconds',
      help: 'Time a mirror candidate took to answer in full, by route',
      labelNames: ['route'],
      buckets: latencyBuckets,
      registers,
    }),
    shadowDifferences: new Counter({
      name: 'gateway_shadow_differences_total',
      help: 'Differences found by mirrored comparisons, by route and JSON field (array indices as []): e.g. how many labels a candidate model disagreed on',
      labelNames: ['route', 'field'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429, by route',
      labelNames: ['route'],
      registers,
    }),
    rateLimitFallback: new Counter({
      name: 'gateway_rate_limit_fallback_total',
      help: 'Rate-limit decisions taken locally because Redis could not be reached',
      registers,
    }),
    authFailures: new Counter({
      name: 'gateway_auth_failures_total',
      help: 'Requests refused by access control, by route and code',
      labelNames: ['route', 'code'],
      registers,
    }),
    reloads: new Counter({
      name: 'gateway_route_reloads_total',
      help: 'Route file reloads, by result (loaded, rejected)',
      labelNames: ['result'],
      registers,
    }),
    tableInfo: new Gauge({
      name: 'gateway_route_table_info',
      help: 'Constant 1, labelled with the live route table version',
      labelNames: ['version'],
      registers,
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
