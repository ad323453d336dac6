import { loadConfig } from '@fig/config';
import { frontendConfigSchema } from './config';

describe('frontend configuration', () => {
  it('defaults to the architecture’s ports and a local store-svc and monolith', () => {
    expect(loadConfig(frontendConfigSchema, {})).toMatchObject({
      PORT: 8082,
      OPS_PORT: 9082,
      STORE_ADDR: 'dns:///127.0.0.1:50051',
      MONOLITH_URL: 'http://127.0.0.1:8081',
      MODEL_TIMEOUT_MS: 800,
      MODEL_BREAKER_FAILURES: 3,
    });
  });

  it.each(['dns:///store-svc:50051', 'ipv4:127.0.0.1:50051,127.0.0.1:50052', 'store-svc:50051'])(
    'accepts the gRPC target %s',
    (target) => {
      expect(loadConfig(frontendConfigSchema, { STORE_ADDR: target }).STORE_ADDR).toBe(target);
    },
  );

  it('scores with the monolith unless MODEL_ADDR names model-svc’s gRPC target', () => {
    expect(loadConfig(frontendConfigSchema, {}).MODEL_ADDR).toBeUndefined();
    expect(
      loadConfig(frontendConfigSchema, { MODEL_ADDR: 'dns:///model-svc:50052' }).MODEL_ADDR,
    ).toBe('dns:///model-svc:50052');
    expect(() =>
      loadConfig(frontendConfigSchema, { MODEL_ADDR: 'http://model-svc:50052' }),
    ).toThrow(/MODEL_ADDR: must be a gRPC target such as dns:\/\/\/model-svc:50052/);
  });

  it('names every bad variable at once', () => {
    expect(() =>
      loadConfig(frontendConfigSchema, {
        STORE_ADDR: 'http://store-svc',
        MONOLITH_URL: 'redis://monolith',
        MODEL_BREAKER_FAILURES: '0',
      }),
    ).toThrow(
      /STORE_ADDR: must be a gRPC target[\s\S]*MONOLITH_URL: must be a URL[\s\S]*MODEL_BREAKER_FAILURES/,
    );
  });
});
