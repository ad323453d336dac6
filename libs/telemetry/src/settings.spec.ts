import { flushTelemetry, telemetrySettings } from './settings';

describe('telemetrySettings', () => {
  it('exports only when an OTLP endpoint is configured', () => {
    expect(telemetrySettings({}).endpoint).toBeUndefined();
    expect(
      telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).endpoint,
    ).toBe('http://collector:4318');
  });

  it('exports when an endpoint is set or OTEL_TRACES_EXPORTER names an exporter, never with none', () => {
    expect(telemetrySettings({}).exporting).toBe(false);
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).exporting).toBe(
      true,
    );
    expect(telemetrySettings({ OTEL_TRACES_EXPORTER: 'console' }).exporting).toBe(true);
    expect(
      telemetrySettings({
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      }).exporting,
    ).toBe(false);
  });

  it('takes the service name from OTEL_SERVICE_NAME and the version from APP_VERSION', () => {
    expect(telemetrySettings({ OTEL_SERVICE_NAME: 'store-svc', APP_VERSION: 'v3' })).toMatchObject({
      serviceName: 'store-svc',
      serviceVersion: 'v3',
      enabled: true,
    });
  });

  it('is switched off by OTEL_SDK_DISABLED', () => {
    expect(telemetrySettings({ OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    // As the SDK reads it: case and surrounding blanks do not matter.
    expect(telemetrySettings({ OTEL_SDK_DISABLED: ' TRUE ' }).enabled).toBe(false);
    expect(telemetrySettings({ OTEL_SDK_DISABLED: 'false' }).enabled).toBe(true);
  });

  it('flushes nothing, without failing, when no provider was registered', async () => {
    await expect(flushTelemetry()).resolves.toBeUndefined();
  });
});
