import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBundle, startRedis, type RedisServer } from '@fig/testing';

/**
 * What the built store-svc loads at start, as production runs it (`node
 * --import ./instrument.js main.js`): with tracing disabled no OpenTelemetry
 * SDK module may load (only the API, which the code calls either way).
 */
describe('store-svc start-up modules', () => {
  let redis: RedisServer;
  let dir: string;
  let probe: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'fig-modules-'));
    probe = path.join(dir, 'probe.js');
    // Preloaded with --require: lists every CommonJS module loaded when the process exits.
    writeFileSync(
      probe,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.FIG_MODULES_OUT, JSON.stringify(Object.keys(require.cache))));\n",
    );
  });
  afterAll(async () => {
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function loadedModules(traced: boolean): Promise<string[]> {
    const out = path.join(dir, `modules-${traced}.json`);
    const store = await startBundle('store-svc', {
      traced,
      env: { REDIS_URL: redis.url, FIG_MODULES_OUT: out },
      args: ['--import', './instrument.js', '--require', probe, 'main.js'],
    });
    expect(await store.stop()).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')) as string[];
  }

  const sdkModules = (modules: string[]) =>
    modules.filter((m) => /node_modules\/@opentelemetry\/(?!api\/)/.test(m));

  it('loads no OpenTelemetry SDK module (not even @opentelemetry/core) with OTEL_SDK_DISABLED=true', async () => {
    const modules = await loadedModules(false);
    expect(modules.some((m) => m.includes('node_modules/@redis/client/'))).toBe(true);
    expect(sdkModules(modules)).toEqual([]);
  }, 30_000);

  it('loads the SDK, core included, with tracing on (the probe sees what is loaded)', async () => {
    const modules = await loadedModules(true);
    expect(modules.some((m) => m.includes('node_modules/@opentelemetry/sdk-node/'))).toBe(true);
    expect(modules.some((m) => m.includes('node_modules/@opentelemetry/core/'))).toBe(true);
  }, 30_000);
});
