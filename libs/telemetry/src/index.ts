export {
  flushTelemetry,
  telemetrySettings,
  figEnvDefaults,
  type TelemetrySettings,
} from './settings';
export { untraced } from './untraced';
