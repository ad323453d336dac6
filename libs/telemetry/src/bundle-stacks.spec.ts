import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * The bootstrap as a service runs it (`node --import ./instrument.js`, no
 * --enable-source-maps): a stack thrown in a bundle names the TypeScript line.
 */
const root = path.resolve(__dirname, '../../..');
const out = path.join(root, 'test-output/telemetry-bundle-stacks');
const thrower = path.join(__dirname, '../test/thrower.ts');

function build(sourcemap: 'linked' | false) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  buildSync({
    entryPoints: { instrument: path.join(__dirname, 'register.ts'), main: thrower },
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    packages: 'external',
    sourcemap,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'error',
  });
}

const stackOf = () =>
  execFileSync(process.execPath, ['--import', './instrument.js', 'main.js'], {
    cwd: out,
    env: { PATH: process.env.PATH ?? '', OTEL_SDK_DISABLED: 'true' },
    encoding: 'utf8',
  });

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('stack traces of a bundle', () => {
  it('name the TypeScript file and line, with the message first', () => {
    build('linked');
    const stack = stackOf();
    expect(stack.split('\n')[0]).toBe('Error: thrown in TypeScript');
    expect(stack).toContain(`at fail (${thrower}:4:9)`);
    expect(stack).not.toContain('main.js:');
  });

  it('keep the bundle positions when no map lies beside it', () => {
    build(false);
    const stack = stackOf();
    expect(stack).toMatch(/at fail \(.*\/main\.js:\d+:\d+\)/);
  });
});
