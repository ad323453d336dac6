export interface TelemetrySettings {
  enabled: boolean;
  serviceName: string;
  serviceVersion: string;
  /** OTLP base URL. */
  endpoint?: string;
  /**
   * Whether spans leave the process: an OTLP endpoint is set, or
   * OTEL_TRACES_EXPORTER names an exporter (not `none`). Otherwise spans are
   * made for context and logs only, and dropped.
   */
  exporting: boolean;
}

/**
 * Fig's values for standard variables left unset: OTLP over HTTP with JSON
 * bodies (what the collector and the test receiver take), and batches sent
 * every 0.5 s rather than the SDK's 5 s, so a trace is complete soon after
 * its request.
 */
export const figEnvDefaults = {
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '500',
} as const;

/** Reads the standard OTEL_* variables (plus APP_VERSION) the way the SDK documents them. */
export function telemetrySettings(
  env: Record<string, string | undefined> = process.env,
): TelemetrySettings {
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return {
    enabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true',
    exporting: exporters.length ? !exporters.includes('none') : Boolean(endpoint),
    serviceName: env.OTEL_SERVICE_NAME || 'fig',
    serviceVersion: env.APP_VERSION || 'v1',
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Where the bootstrap leaves its SDK so the app can flush it at shutdown. */
export const providerKey = Symbol.for('fig.telemetry.provider');

/** Exports whatever spans are still buffered; a no-op when telemetry is off. */
export async function flushTelemetry(): Promise<void> {
  const sdk = (globalThis as Record<symbol, { shutdown(): Promise<void> } | undefined>)[
    providerKey
  ];
  await sdk?.shutdown();
}
