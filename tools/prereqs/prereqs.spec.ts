import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findRoot } from '@fig/stages';
import { MISSING_PREREQUISITE, missingToolsMessage, which } from './prereqs';

const root = findRoot(__dirname);

/** A PATH holding only the given commands (as links to the real ones). */
function pathWith(...commands: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fig-path-'));
  for (const command of commands) {
    const real = which(command, process.env);
    if (!real) throw new Error(`${command} is needed on this machine to run this spec`);
    symlinkSync(real, path.join(dir, command));
  }
  return dir;
}

/** Runs a built tool as `npm test` / `npm start` would, with the given environment only. */
const runTool = (bundle: string, env: Record<string, string>, args: string[] = []) =>
  spawnSync(process.execPath, [path.join(root, 'dist/tools', bundle), ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('the prerequisites check', () => {
  it('names every missing tool with the command that installs it, and nothing that is there', () => {
    const message = missingToolsMessage('npm test', ['redis-server', 'chromium', 'kubectl'], {
      PATH: pathWith('kubectl'),
      CHROMIUM_PATH: '/nonexistent/chromium',
    });
    expect(message).toMatch(/^npm test cannot run: 2 tools are missing\./);
    expect(message).toContain('redis-server (');
    expect(message).toContain('sudo apt-get install -y redis-server');
    expect(message).toContain('sudo apt-get install -y chromium');
    expect(message).not.toContain('kubectl');
  });

  it("asks for model-svc's Python environment until npm run setup:python made it", () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'fig-prereqs-'));
    try {
      const message = missingToolsMessage('npm test', ['model-svc venv'], {}, empty);
      expect(message).toContain('npm run setup:python');
      const venv = path.join(empty, 'apps/model-svc/.venv/bin');
      mkdirSync(venv, { recursive: true });
      writeFileSync(path.join(venv, 'python'), '', { mode: 0o755 });
      expect(missingToolsMessage('npm test', ['model-svc venv'], {}, empty)).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('finds redis-server where REDIS_SERVER_BIN points, and says nothing when all is there', () => {
    const real = which('redis-server', process.env) as string;
    expect(
      missingToolsMessage('npm start', ['redis-server'], { PATH: '', REDIS_SERVER_BIN: real }),
    ).toBeUndefined();
  });

  it('stops `npm test` before it runs anything when redis-server is missing, naming it and how to get it', () => {
    const run = runTool('test.js', { PATH: pathWith('kubectl') });
    expect(run.status).toBe(MISSING_PREREQUISITE);
    expect(run.stderr).toContain('npm test cannot run');
    expect(run.stderr).toContain('sudo apt-get install -y redis-server');
    // Nothing else ran: no formatting, lint or nx output.
    expect(run.stdout).toBe('');
  });

  it('stops `npm start` the same way when it would have to spawn Redis', () => {
    const run = runTool('local/run.js', { PATH: pathWith() });
    expect(run.status).toBe(MISSING_PREREQUISITE);
    expect(run.stderr).toMatch(/npm start cannot run: a tool is missing\.\n {2}redis-server/);
  });
});
