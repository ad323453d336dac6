// `npm test`: check the prerequisites, then formatting, lint and types of
// every project, then each project's tests (each app's test target builds it
// first) under the watchdog, and close with one line, `N passed, N failed`,
// added up from the per-project reports tools/jest/summary-reporter.js leaves.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findRoot } from '@fig/stages';
import { requireTools } from '../prereqs/prereqs';
import { budgetFor } from './budgets';
import { runWithBudget, type RunOutcome } from './guard';
import { summaryLines, type ProjectSummary } from './summary';

const root = findRoot(__dirname);
requireTools(
  'npm test',
  ['redis-server', 'chromium', 'kubectl', 'promtool', 'model-svc venv'],
  process.env,
  root,
);
const results = path.join(root, 'test-output/results');
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  NX_NO_CLOUD: 'true',
  FORCE_COLOR: '0',
};

const succeeds = (command: string, args: string[]) =>
  spawnSync(command, args, { cwd: root, env, stdio: 'inherit' }).status === 0;

function projectsWithTests(): string[] {
  const run = spawnSync('npx', ['nx', 'show', 'projects', '--with-target', 'test', '--json'], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error('nx show projects failed');
  return (JSON.parse(run.stdout) as string[]).sort();
}

async function main() {
  rmSync(results, { recursive: true, force: true });
  const started = Date.now();
  // Both run even when the first fails, so one run reports every problem.
  const formatted = succeeds('npm', ['run', '--silent', 'format:check']);
  const checksPassed =
    succeeds('npx', [
      'nx',
      'run-many',
      '-t',
      'lint',
      'typecheck',
      '--parallel=2',
      '--outputStyle=stream',
    ]) && formatted;
  // One project's suite at a time: suites spawn redis-servers, services and a
  // browser, and readiness deadlines should not compete for two cores.
  const outcomes: RunOutcome[] = [];
  for (const project of projectsWithTests()) {
    outcomes.push(
      await runWithBudget({
        project,
        command: 'npx',
        args: ['nx', 'run', `${project}:test`, '--outputStyle=stream'],
        budgetMs: budgetFor(project),
        cwd: root,
        env,
      }),
    );
  }
  const summaries: ProjectSummary[] = existsSync(results)
    ? readdirSync(results).map((f) => JSON.parse(readFileSync(path.join(results, f), 'utf8')))
    : [];
  const { lines, failed } = summaryLines({
    summaries,
    outcomes,
    checksPassed,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err: Error) => {
  process.stderr.write(`npm test: ${err.message}\n`);
  process.exit(1);
});
