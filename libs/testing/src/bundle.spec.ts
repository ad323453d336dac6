import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBundle, type RunningBundle } from './bundle';
import { freePort } from './ports';

// A stand-in "built service": ready on its ops port, echoes its env, exits 0 on SIGTERM.
const fakeMain = `
const http = require('node:http');
const main = http.createServer((req, res) => res.end(JSON.stringify(process.env))).listen(+process.env.PORT, '127.0.0.1');
const ops = http.createServer((req, res) => res.end('ok')).listen(+process.env.OPS_PORT, '127.0.0.1');
process.on('SIGTERM', () => { main.close(); ops.close(); });
`;

describe('startBundle', () => {
  let distDir: string;
  let running: RunningBundle | undefined;

  beforeAll(() => {
    distDir = mkdtempSync(path.join(tmpdir(), 'fig-bundle-spec-'));
    mkdirSync(path.join(distDir, 'fake'));
    writeFileSync(path.join(distDir, 'fake', 'main.js'), fakeMain);
  });
  afterEach(async () => {
    await running?.kill();
    running = undefined;
  });
  afterAll(() => rmSync(distDir, { recursive: true, force: true }));

  it('starts the bundle on free ports with test defaults under the caller’s env, ready when it returns', async () => {
    running = await startBundle('fake', { distDir, env: { LOG_LEVEL: 'debug', EXTRA: 'x' } });
    const env = (await (await fetch(running.base)).json()) as Record<string, string>;
    expect(env).toMatchObject({
      PORT: String(running.port),
      OPS_PORT: String(running.opsPort),
      LOG_LEVEL: 'debug',
      EXTRA: 'x',
      OTEL_SDK_DISABLED: 'true',
      POD_NAME: 'fake-test',
    });
  });

  it('stops with SIGTERM, and restarts on the same ports', async () => {
    running = await startBundle('fake', { distDir });
    const { port, opsPort } = running;
    expect(await running.restart()).toBe(0);
    expect((await fetch(`${running.ops}/readyz`)).status).toBe(200);
    expect([running.port, running.opsPort]).toEqual([port, opsPort]);
    expect(await running.stop()).toBe(0);
  });

  it('runs with exactly the given env when asked to', async () => {
    const [port, opsPort] = [String(await freePort()), String(await freePort())];
    running = await startBundle('fake', {
      distDir,
      defaults: false,
      env: { PORT: port, OPS_PORT: opsPort },
    });
    const env = (await (await fetch(running.base)).json()) as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(['OPS_PORT', 'PATH', 'PORT']);
  });

  it('says how to build a bundle that is missing', async () => {
    await expect(startBundle('nothing-here', { distDir })).rejects.toThrow(
      /main\.js does not exist: build it first \(npx nx run nothing-here:build\)/,
    );
  });
});
