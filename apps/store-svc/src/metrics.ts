import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from '@fig/service';

export interface RpcMetrics {
  /** Starts timing one call; the returned function records its outcome. */
  start(method: string): (code: string) => void;
}

/**
 * RED metrics per RPC, named as the usual gRPC dashboards expect. Labels are
 * the method and the status code name only, so the label set stays bounded.
 */
export function rpcMetrics(registry: Registry, service: string): RpcMetrics {
  const labelNames = ['grpc_service', 'grpc_method', 'grpc_code'] as const;
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs completed, by method and status code',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'RPC latency until the status was sent, by method and status code',
    labelNames,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'grpc_server_in_flight',
    help: 'RPCs started and not yet completed (open WatchEntries streams included)',
    labelNames: ['grpc_service', 'grpc_method'],
    registers: [registry],
  });
  return {
    start(method) {
      const base = { grpc_service: service, grpc_method: method };
      const end = duration.startTimer();
      inFlight.inc(base);
      return (code) => {
        const labels = { ...base, grpc_code: code };
        inFlight.dec(base);
        handled.inc(labels);
        end(labels);
      };
    },
  };
}
