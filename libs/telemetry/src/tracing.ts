import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as TraceBase from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { providerKey, type TelemetrySettings } from './settings';

/** Span processors: a batching OTLP/HTTP exporter when an endpoint is set, none otherwise. */
function exportingProcessors(settings: TelemetrySettings): SpanProcessor[] {
  if (!settings.endpoint) return [];
  // Loaded only when exporting: the exporter and its transformer weigh ~15 MiB.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof TraceBase;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The exporter reads OTEL_EXPORTER_OTLP_* itself (endpoint, headers, timeout).
  return [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 500 })];
}

/** One provider, the five instrumentations Fig uses, W3C propagation. */
export function startTracing(settings: TelemetrySettings) {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: settings.serviceVersion,
    }),
    spanProcessors: exportingProcessors(settings),
  });
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would drown real traffic.
        ignoreIncomingRequestHook: (req) => /^\/(livez|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new GrpcInstrumentation(),
      new RedisInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  (globalThis as Record<symbol, unknown>)[providerKey] = provider;
}
