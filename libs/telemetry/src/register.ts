/**
 * The OpenTelemetry bootstrap, loaded before the app with `node --import
 * ./instrument.js main.js` so that it can hook `require` before Express, gRPC
 * and the Redis client are loaded. It wires only what Fig uses (one provider,
 * five instrumentations, one exporter) rather than the whole sdk-node, and
 * loads none of it when telemetry is disabled.
 */
import { telemetrySettings } from './settings';
import type * as Tracing from './tracing';

const settings = telemetrySettings();
if (settings.enabled) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: nothing is loaded when disabled
  (require('./tracing') as typeof Tracing).startTracing(settings);
}
