import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readRoute } from '@fig/migration';
import { startBundle, waitFor, workspaceRoot } from '@fig/testing';

// The real gateway keeps the tables it served; the real CLI (bundled by
// `npm test` before the suites run) reverts one route from that history.
jest.setTimeout(60_000);

const table = (pageTimeout: number, apiUpstream: string) => `version: 1
upstreams:
  a: { endpoints: ['\${A_URL:-http://127.0.0.1:9}'] }
  b: { endpoints: ['http://127.0.0.1:9'] }
routes:
  - name: api
    match: { prefix: /api }
    proxy: { upstream: ${apiUpstream} }
  - name: page   # left alone by the rollback
    match: { prefix: / }
    timeoutMs: ${pageTimeout}
    proxy: { upstream: a }
`;

type History = {
  tables: { version: string; changed: string[]; live: boolean; source: { trigger: string } }[];
};

describe('per-route rollback from the gateway history', () => {
  it('shows the served tables and puts back only the named route', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fig-rollback-'));
    const file = join(dir, 'routes.yaml');
    await writeFile(file, table(1000, 'a'));
    const gateway = await startBundle('gateway', { env: { GATEWAY_ROUTES: file } });
    const history = async () =>
      (await (await fetch(`${gateway.ops}/gateway/routes/history`)).json()) as History;

    // One edit moves api to b and changes page's timeout.
    await writeFile(file, table(2000, 'b'));
    const two = await waitFor(
      async () => ((await history()).tables.length === 2 ? history() : undefined),
      {
        what: 'the reload in the history',
      },
    );
    expect(two.tables.map((t) => [t.source.trigger, t.changed.sort(), t.live])).toEqual([
      ['reload', ['api', 'page'], true],
      ['startup', ['api', 'page'], false],
    ]);

    const cli = promisify(execFile)('node', ['dist/tools/migrate.js', 'rollback', 'api'], {
      cwd: workspaceRoot(),
      env: { ...process.env, GATEWAY_ROUTES: file, GATEWAY_OPS_URL: gateway.ops },
    });
    expect((await cli).stdout).toMatch(/api: restored as served in table [0-9a-f]{12}/);
    const text = await readFile(file, 'utf8');
    expect(readRoute(text, 'api')).toEqual({
      name: 'api',
      match: { prefix: '/api' },
      proxy: { upstream: 'a' },
    });
    expect(readRoute(text, 'page')).toMatchObject({ timeoutMs: 2000 });
    // The unexpanded reference and the other routes' comments survive the rewrite.
    expect(text).toContain('${A_URL:-http://127.0.0.1:9}');
    expect(text).toContain('# left alone by the rollback');
    const three = await waitFor(
      async () => ((await history()).tables.length === 3 ? history() : undefined),
      {
        what: 'the rollback in the history',
      },
    );
    expect(three.tables[0]!.changed).toEqual(['api']);
  });

  it('refuses with a clear error when the history has no other definition', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fig-rollback-'));
    const file = join(dir, 'routes.yaml');
    await writeFile(file, table(1000, 'a'));
    const gateway = await startBundle('gateway', { env: { GATEWAY_ROUTES: file } });
    const run = promisify(execFile)('node', ['dist/tools/migrate.js', 'rollback', 'api'], {
      cwd: workspaceRoot(),
      env: { ...process.env, GATEWAY_ROUTES: file, GATEWAY_OPS_URL: gateway.ops },
    });
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no other definition of route api/),
    });
    expect(await readFile(file, 'utf8')).toBe(table(1000, 'a'));
  });

  it('stops quietly when its reader has closed the pipe (`| head -1`), the work done', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fig-rollback-'));
    const file = join(dir, 'routes.yaml');
    await writeFile(file, table(1000, 'a'));
    const gateway = await startBundle('gateway', { env: { GATEWAY_ROUTES: file } });
    await writeFile(file, table(1000, 'b'));
    await waitFor(
      async () => {
        const res = await fetch(`${gateway.ops}/gateway/routes/history`);
        return ((await res.json()) as History).tables.length === 2;
      },
      { what: 'the reload in the history' },
    );

    const cli = spawn('node', ['dist/tools/migrate.js', 'rollback', 'api'], {
      cwd: workspaceRoot(),
      env: { ...process.env, GATEWAY_ROUTES: file, GATEWAY_OPS_URL: gateway.ops },
    });
    // Closed before the CLI writes a byte: its one line meets a pipe with no reader.
    cli.stdout.destroy();
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(cli, 'close');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(readRoute(await readFile(file, 'utf8'), 'api')).toMatchObject({
      proxy: { upstream: 'a' },
    });
  });
});
