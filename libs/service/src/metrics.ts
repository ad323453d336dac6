import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

/** Buckets in seconds, from sub-millisecond loopback calls to slow upstreams. */
export const latencyBuckets = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const misnamedDefaults = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A registry per service (never the global one) with RED metrics and build info. */
export function createMetrics({ service, version }: { service: string; version: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // prom-client's three totals are gauges named like counters, which promtool
  // (and any PromQL rate() over them) gets wrong; the same numbers remain, by
  // type, in nodejs_active_handles, _requests and _resources.
  for (const name of misnamedDefaults) registry.removeSingleMetric(name);
  new Gauge({
    name: 'fig_build_info',
    help: 'Constant 1, labelled with the running service and version',
    labelNames: ['service', 'version'],
    registers: [registry],
  }).set({ service, version }, 1);
  const labelNames = ['method', 'route', 'status_code'] as const;
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_server_requests_total',
      help: 'HTTP requests served, by route template',
      labelNames,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'HTTP request latency, by route template',
      labelNames,
      buckets: latencyBuckets,
      registers: [registry],
    }),
  };
}

/**
 * Express middleware recording RED metrics. The route label is the matched
 * route's template, never the raw URL, so label sets stay bounded whatever
 * clients send.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const routePath = req.route?.path;
      const route = typeof routePath === 'string' ? req.baseUrl + routePath : 'unmatched';
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      end(labels);
    });
    next();
  };
}
