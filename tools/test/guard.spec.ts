import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeFailure, runWithBudget } from './guard';
import { summaryLines } from './summary';

const fixture = path.join(__dirname, 'fixtures/open-server');
const jestBin = require.resolve('jest/bin/jest');

/** Runs the fixture project under the watchdog, the way `npm test` runs a project. */
function runFixture(budgetMs: number, env: Record<string, string>) {
  const portFile = path.join(mkdtempSync(path.join(tmpdir(), 'fig-guard-')), 'port');
  const outcome = runWithBudget({
    project: 'open-server-fixture',
    command: process.execPath,
    args: [jestBin, '--config', path.join(fixture, 'jest.config.js'), '--runInBand'],
    budgetMs,
    graceMs: 1_000,
    cwd: fixture,
    env: { ...process.env, ...env, FIXTURE_PORT_FILE: portFile },
    stdio: 'ignore',
  });
  return { outcome, port: () => Number(readFileSync(portFile, 'utf8')) };
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

describe('the test-run guard', () => {
  it('lets Jest end, failed, when a failed beforeAll leaves a server listening (the preset forces the exit)', async () => {
    const { outcome } = runFixture(20_000, {});
    await expect(outcome).resolves.toMatchObject({ timedOut: false, code: 1 });
  });

  it('stops a project still running past its budget, with the server it left, and reports it failed by name', async () => {
    // Without forceExit Jest waits for the open server for good: the hang the budget is for.
    const run = runFixture(8_000, { FIXTURE_FORCE_EXIT: 'false' });
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ project: 'open-server-fixture', timedOut: true });
    expect(await refused(run.port())).toBe(true);
    expect(describeFailure(outcome)).toBe(
      'open-server-fixture: still running after its budget of 8 s; stopped and counted as failed',
    );
    const { lines, failed } = summaryLines({
      summaries: [{ project: 'config', passed: 3, failed: 0, skipped: 0 }],
      outcomes: [{ project: 'config', code: 0, timedOut: false, budgetMs: 1 }, outcome],
      checksPassed: true,
      seconds: 9,
    });
    expect(failed).toBe(1);
    expect(lines).toContain(`failed: ${describeFailure(outcome)}`);
    expect(lines.at(-1)).toBe('3 passed, 1 failed');
  }, 60_000);
});

describe('the closing summary', () => {
  it('counts a project that failed without reporting tests (its build broke) and a failed check', () => {
    const { lines, failed } = summaryLines({
      summaries: [{ project: 'gateway', passed: 10, failed: 2, skipped: 1 }],
      outcomes: [
        { project: 'gateway', code: 1, timedOut: false, budgetMs: 1 },
        { project: 'frontend', code: 1, timedOut: false, budgetMs: 1 },
      ],
      checksPassed: false,
      seconds: 5,
    });
    expect(failed).toBe(4);
    expect(lines).toEqual([
      '  gateway                  10 passed, 2 failed',
      'failed: format/lint/typecheck',
      'failed: gateway: exited 1',
      'failed: frontend: exited 1',
      '(2 projects in 5 s)',
      '10 passed, 4 failed, 1 skipped',
    ]);
  });
});
