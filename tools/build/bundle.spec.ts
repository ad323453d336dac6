import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@fig/testing';

// The real bundler on a two-file program: a relative import() becomes its own
// file, which the entry requires only when the call is made (ADR 0502: the
// live view's Kubernetes client).
const run = promisify(execFile);
const root = workspaceRoot();
const fixture = join(root, 'test-output', `bundle-spec-${process.pid}`);

beforeAll(async () => {
  await mkdir(join(fixture, 'src'), { recursive: true });
  await writeFile(
    join(fixture, 'src/heavy.ts'),
    "export const marker = 'heavy module body';\n(globalThis as { heavy?: boolean }).heavy = true;\n",
  );
  await writeFile(
    join(fixture, 'src/main.ts'),
    `async function main() {
  const used = process.argv[2] === 'use' ? (await import('./heavy')).marker : 'unused';
  const loaded = (globalThis as { heavy?: boolean }).heavy === true;
  process.stdout.write(JSON.stringify({ used, loaded }));
}
void main();
`,
  );
  await run(process.execPath, [
    join(root, 'tools/build/bundle.mjs'),
    '--entry',
    join('test-output', `bundle-spec-${process.pid}`, 'src/main.ts'),
    '--out',
    join(fixture, 'out'),
  ]);
}, 30_000);
afterAll(() => rm(fixture, { recursive: true, force: true }));

const start = async (...args: string[]) =>
  JSON.parse((await run(process.execPath, [join(fixture, 'out/main.js'), ...args])).stdout);

describe('bundle.mjs and import()', () => {
  it('writes the imported module as its own file, not into the entry', async () => {
    expect(existsSync(join(fixture, 'out/heavy.js'))).toBe(true);
    expect(await readFile(join(fixture, 'out/main.js'), 'utf8')).not.toContain('heavy module body');
  });

  it('loads that file only when the import() runs', async () => {
    expect(await start()).toEqual({ used: 'unused', loaded: false });
    expect(await start('use')).toEqual({ used: 'heavy module body', loaded: true });
  });
});
