import { ConfigError, loadConfig } from '@fig/config';
import { gatewayConfigSchema } from './config';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(gatewayConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('gatewayConfigSchema', () => {
  it('uses the architecture ports and defaults', () => {
    const config = loadConfig(gatewayConfigSchema, { GATEWAY_ROUTES: '/etc/fig/routes.yaml' });
    expect(config).toMatchObject({
      PORT: 8080,
      OPS_PORT: 9080,
      ACCESS_LOG: true,
      SERVED_BY_HEADER: true,
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('accepts a comma-separated list of upstream URLs (one per replica)', () => {
    const env = {
      GATEWAY_ROUTES: 'r.yaml',
      FRONTEND_URL: 'http://127.0.0.1:8082,http://127.0.0.1:8182',
    };
    expect(loadConfig(gatewayConfigSchema, env).FRONTEND_URL).toBe(env.FRONTEND_URL);
  });

  it('reports every problem at once: no route file, a bad URL, half a TLS pair', () => {
    expect(
      problems({ MONOLITH_URL: 'ftp://x', TLS_KEY_FILE: '/k.pem', ACCESS_LOG: 'yes' }),
    ).toEqual([
      expect.stringMatching(/^GATEWAY_ROUTES: /),
      expect.stringMatching(/^MONOLITH_URL: must be one or more comma-separated http\(s\) URLs/),
      expect.stringMatching(/^ACCESS_LOG: /),
    ]);
    expect(problems({ GATEWAY_ROUTES: 'r.yaml', TLS_KEY_FILE: '/k.pem' })).toEqual([
      expect.stringMatching(/^TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE must be set together/),
    ]);
  });
});
