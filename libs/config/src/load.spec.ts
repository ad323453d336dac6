import { z } from 'zod';
import { ConfigError, loadConfig } from './load';
import { baseEnv, port, url } from './fields';

const schema = z.object({
  ...baseEnv,
  PORT: port(8081),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
});

describe('loadConfig', () => {
  it('applies defaults when variables are absent', () => {
    const config = loadConfig(schema, {});
    expect(config).toMatchObject({ PORT: 8081, APP_VERSION: 'v1', SHUTDOWN_DELAY_MS: 5000 });
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig(schema, {}))).toBe(true);
  });

  it('lists every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: 'eighty', REDIS_URL: 'http://x', APP_VERSION: 'latest' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect(message).toMatch(/PORT: must be a whole number \(got "eighty"\)/);
    expect(message).toMatch(/REDIS_URL: must be a URL with scheme redis or rediss/);
    expect(message).toMatch(/APP_VERSION/);
  });

  it('binds every interface by default and takes a loopback or host name to bind instead', () => {
    expect(loadConfig(schema, {}).BIND_ADDRESS).toBe('0.0.0.0');
    expect(loadConfig(schema, { BIND_ADDRESS: '127.0.0.1' }).BIND_ADDRESS).toBe('127.0.0.1');
    expect(loadConfig(schema, { BIND_ADDRESS: '::1' }).BIND_ADDRESS).toBe('::1');
    expect(() => loadConfig(schema, { BIND_ADDRESS: 'not an address' })).toThrow(
      /BIND_ADDRESS: must be an IP address or a host name/,
    );
  });

  it('rejects ports out of range', () => {
    expect(() => loadConfig(schema, { PORT: '70000' })).toThrow(/PORT: must be 0-65535/);
  });
});
