// The end of `npm test`'s output: one line per project, what failed by name,
// and the closing `N passed, N failed` line CI reads.
import { describeFailure, type RunOutcome } from './guard';

/** What tools/jest/summary-reporter.js leaves behind for each project. */
export interface ProjectSummary {
  project: string;
  passed: number;
  failed: number;
  skipped: number;
}

export interface RunReport {
  summaries: ProjectSummary[];
  outcomes: RunOutcome[];
  checksPassed: boolean;
  seconds: number;
}

export function summaryLines({ summaries, outcomes, checksPassed, seconds }: RunReport): {
  lines: string[];
  failed: number;
} {
  const lines = [...summaries]
    .sort((a, b) => a.project.localeCompare(b.project))
    .map((s) => `  ${s.project.padEnd(24)} ${s.passed} passed, ${s.failed} failed`);
  const failures = outcomes.flatMap((o) => describeFailure(o) ?? []);
  if (!checksPassed) lines.push('failed: format/lint/typecheck');
  for (const failure of failures) lines.push(`failed: ${failure}`);
  lines.push(`(${outcomes.length} projects in ${seconds} s)`);
  const total = (key: 'passed' | 'failed' | 'skipped') =>
    summaries.reduce((sum, s) => sum + s[key], 0);
  // A failed check, a project stopped by the watchdog and a project that
  // failed without reporting tests (its build broke) each count as one failure.
  const reported = new Set(summaries.map((s) => s.project));
  const unreported = outcomes.filter(
    (o) => o.timedOut || (o.code !== 0 && !reported.has(o.project)),
  ).length;
  const failed = total('failed') + unreported + (checksPassed ? 0 : 1);
  const skipped = total('skipped');
  lines.push(`${total('passed')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return { lines, failed };
}
