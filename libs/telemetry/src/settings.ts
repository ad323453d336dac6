import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

export interface TelemetrySettings {
  enabled: boolean;
  serviceName: string;
  serviceVersion: string;
  /** OTLP/HTTP base URL; spans are exported only when it is set. */
  endpoint?: string;
}

/** Reads the standard OTEL_* variables (plus APP_VERSION) the way the SDK documents them. */
export function telemetrySettings(
  env: Record<string, string | undefined> = process.env,
): TelemetrySettings {
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  return {
    enabled: env.OTEL_SDK_DISABLED !== 'true',
    serviceName: env.OTEL_SERVICE_NAME || 'fig',
    serviceVersion: env.APP_VERSION || 'v1',
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Where the bootstrap leaves its provider so the app can flush it at shutdown. */
export const providerKey = Symbol.for('fig.telemetry.provider');

/** Exports whatever spans are still buffered; a no-op when telemetry is off. */
export async function flushTelemetry(): Promise<void> {
  const provider = (globalThis as Record<symbol, BasicTracerProvider | undefined>)[providerKey];
  await provider?.shutdown();
}
