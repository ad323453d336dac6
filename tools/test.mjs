// `npm test`: check formatting, lint and typecheck every project, then run every project's tests
// (each app's test target builds it first), and close with one summary line,
// `N passed, N failed`, added up from the per-project reports that
// tools/jest/summary-reporter.js leaves behind.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'test-output/results');
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  NX_NO_CLOUD: 'true',
  FORCE_COLOR: '0',
};

function nx(...args) {
  const run = spawnSync('npx', ['nx', 'run-many', ...args, '--outputStyle=stream'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  return run.status === 0;
}

function formatted() {
  const run = spawnSync('npm', ['run', '--silent', 'format:check'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  return run.status === 0;
}

rmSync(results, { recursive: true, force: true });
const started = Date.now();
// Both run even when the first fails, so one run reports every problem.
const formatOk = formatted();
const checks = nx('-t', 'lint', 'typecheck', '--parallel=2') && formatOk;
// One project's suite at a time: suites spawn redis-servers, services and a
// browser, and readiness deadlines should not compete for two cores.
const tests = nx('-t', 'test', '--parallel=1');

const summaries = existsSync(results)
  ? readdirSync(results).map((f) => JSON.parse(readFileSync(path.join(results, f), 'utf8')))
  : [];
const total = (key) => summaries.reduce((sum, s) => sum + s[key], 0);
const failedSteps = [!checks && 'format/lint/typecheck', !tests && 'tests'].filter(Boolean);
const seconds = Math.round((Date.now() - started) / 1000);

for (const s of summaries.sort((a, b) => a.project.localeCompare(b.project))) {
  process.stdout.write(`  ${s.project.padEnd(24)} ${s.passed} passed, ${s.failed} failed\n`);
}
if (failedSteps.length) process.stdout.write(`failed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`(${summaries.length} projects in ${seconds} s)\n`);
const skipped = total('skipped');
// The closing line CI reads; a failed lint or typecheck counts as one failure.
process.stdout.write(
  `${total('passed')} passed, ${total('failed') + (checks ? 0 : 1)} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
);
process.exit(failedSteps.length || total('failed') ? 1 : 0);
