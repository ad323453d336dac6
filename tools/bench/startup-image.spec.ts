import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '@fig/testing';
import { asInImage, cpuMs, defaultDockerfile, imageEnv, imageNodeFlags } from './startup-image';

const dir = mkdtempSync(path.join(tmpdir(), 'fig-startup-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dockerfile = (text: string) => {
  const file = path.join(dir, `Dockerfile.${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
};

describe('imageNodeFlags', () => {
  it("reads the workspace Dockerfile's Node options, the ones the benchmark starts services with", () => {
    const flags = imageNodeFlags(defaultDockerfile(workspaceRoot()));
    expect(flags).toContain('--max-semi-space-size=2');
    expect(flags).not.toContain('--import');
  });

  it('returns the options before --import, in order', () => {
    const file = dockerfile(
      'FROM x\nCMD ["--a", "--b=1", "--import", "./instrument.js", "main.js"]\n',
    );
    expect(imageNodeFlags(file)).toEqual(['--a', '--b=1']);
  });

  it('refuses a CMD it cannot read, naming the file', () => {
    expect(() => imageNodeFlags(dockerfile('CMD node main.js\n'))).toThrow(/no CMD in exec form/);
    expect(() => imageNodeFlags(dockerfile('CMD ["main.js"]\n'))).toThrow(/--import/);
    expect(() => imageNodeFlags(dockerfile('CMD [1, 2]\n'))).toThrow(/not a list of strings/);
  });
});

describe('cpuMs', () => {
  it('grows while a process computes', () => {
    const before = cpuMs(process.pid);
    const until = performance.now() + 100;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(cpuMs(process.pid)).toBeGreaterThan(before);
  });
});

describe('imageEnv', () => {
  it("reads the runtime stage's ENV, not the build stages'", () => {
    const file = dockerfile(
      'FROM a AS build\nENV BUILD_ONLY=1\nFROM b\nENV NODE_ENV=production\nENV A=1 B=two\nCMD ["main.js"]\n',
    );
    expect(imageEnv(file)).toEqual({ NODE_ENV: 'production', A: '1', B: 'two' });
  });

  it('gives the workspace images NODE_ENV=production', () => {
    expect(imageEnv(defaultDockerfile(workspaceRoot()))).toMatchObject({
      NODE_ENV: 'production',
    });
  });

  it('refuses an ENV it cannot read', () => {
    expect(() => imageEnv(dockerfile('FROM b\nENV NODE_ENV production\n'))).toThrow(/KEY=value/);
  });
});

describe('asInImage', () => {
  it("starts a bundle with the image's options before the bootstrap and its ENV under the caller's", () => {
    const start = asInImage(workspaceRoot(), { NODE_ENV: 'test', REDIS_URL: 'redis://x' });
    expect(start.args).toEqual([
      ...imageNodeFlags(defaultDockerfile(workspaceRoot())),
      '--import',
      './instrument.js',
      'main.js',
    ]);
    expect(start.env).toEqual({ NODE_ENV: 'test', REDIS_URL: 'redis://x' });
    expect(start.traced).toBe(true);
  });
});
