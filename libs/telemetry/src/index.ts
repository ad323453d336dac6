export { flushTelemetry, telemetrySettings, type TelemetrySettings } from './settings';
