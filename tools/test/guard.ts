// The watchdog of `npm test`: each project's tests run under a time budget
// well past their normal time. A project still running at the end of its
// budget (a hang: a promise that never settles, a handle Jest waits for) is
// stopped with its whole process group and reported failed by name, so CI
// fails in minutes instead of at its own time limit.
import { spawn, type StdioOptions } from 'node:child_process';

export interface BudgetedRun {
  /** The project's name, as reports show it. */
  project: string;
  command: string;
  args: string[];
  budgetMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: StdioOptions;
  /** Between SIGTERM to the group and SIGKILL. */
  graceMs?: number;
}

export interface RunOutcome {
  project: string;
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  /** True when the budget ran out and the run was stopped. */
  timedOut: boolean;
  budgetMs: number;
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Runs a command in a process group of its own and stops the group when the budget runs out. */
export function runWithBudget(run: BudgetedRun): Promise<RunOutcome> {
  const child = spawn(run.command, run.args, {
    cwd: run.cwd,
    env: run.env ?? process.env,
    stdio: run.stdio ?? 'inherit',
    // Its own group, so the watchdog reaches Jest's workers and whatever
    // servers a spec started, not only the nx process at the top.
    detached: true,
  });
  let timedOut = false;
  let kill: NodeJS.Timeout | undefined;
  const budget = setTimeout(() => {
    timedOut = true;
    signalGroup(child.pid as number, 'SIGTERM');
    kill = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), run.graceMs ?? 5_000);
  }, run.budgetMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(budget);
      clearTimeout(kill);
      // Whatever the run left behind in its group goes with it.
      signalGroup(child.pid as number, 'SIGKILL');
      resolve({ project: run.project, code, timedOut, budgetMs: run.budgetMs });
    });
  });
}

/** The line `npm test` prints for a project that did not pass, naming it. */
export function describeFailure(outcome: RunOutcome): string | undefined {
  if (outcome.timedOut)
    return `${outcome.project}: still running after its budget of ${Math.round(outcome.budgetMs / 1000)} s; stopped and counted as failed`;
  if (outcome.code !== 0) return `${outcome.project}: exited ${outcome.code ?? 'on a signal'}`;
  return undefined;
}
