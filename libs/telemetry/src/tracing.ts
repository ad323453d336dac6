import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK, core, resources, tracing } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { figEnvDefaults, providerKey, type TelemetrySettings } from './settings';

/** Probes and scrapes every few seconds would drown real traffic. */
export const untracedPaths = /^\/(livez|readyz|metrics)(?:[/?#]|$)/;

/**
 * The design's `NodeSDK`, configured lean: the five instrumentations Fig uses,
 * W3C trace context + baggage, no SDK metrics or logs (metrics are
 * prom-client's, logs are pino's), and the trace exporter chosen by the SDK
 * from the standard `OTEL_*` variables (`OTEL_TRACES_EXPORTER`,
 * `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`, `…_ENDPOINT`, `OTEL_BSP_*`,
 * `OTEL_TRACES_SAMPLER`), with Fig's defaults for the ones left unset.
 */
export function startTracing(settings: TelemetrySettings) {
  Object.assign(
    process.env,
    Object.fromEntries(
      Object.entries(figEnvDefaults).filter(([name]) => process.env[name] === undefined),
    ),
  );
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    resource: resources.resourceFromAttributes({ [ATTR_SERVICE_VERSION]: settings.serviceVersion }),
    // OTEL_RESOURCE_ATTRIBUTES only: the host and process detectors cost start-up for attributes nobody reads.
    resourceDetectors: [resources.envDetector],
    textMapPropagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
    // Without an exporter spans are still made and dropped, so trace context
    // propagates and logs keep their trace ids.
    ...(settings.exporting ? {} : { spanProcessors: [new tracing.NoopSpanProcessor()] }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => untracedPaths.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new GrpcInstrumentation(),
      new RedisInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  (globalThis as Record<symbol, unknown>)[providerKey] = sdk;
}
