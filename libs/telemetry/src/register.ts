/**
 * The OpenTelemetry bootstrap, loaded before the app with `node --import
 * ./instrument.js main.js` so that it can hook `require` before Express, gRPC
 * and the Redis client are loaded. It starts sdk-node's NodeSDK with only what
 * Fig uses (tracing.ts, ADR 0005), and loads none of it when telemetry is
 * disabled (OTEL_SDK_DISABLED=true). It also maps the bundles' stack traces
 * to the TypeScript sources, lazily (bundle-stacks.ts, ADR 0019).
 */
import { mapBundleStacks } from './bundle-stacks';
import { telemetrySettings } from './settings';
import type * as Tracing from './tracing';

mapBundleStacks(__dirname);
const settings = telemetrySettings();
if (settings.enabled) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: nothing is loaded when disabled
  (require('./tracing') as typeof Tracing).startTracing(settings);
}
