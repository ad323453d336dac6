// How long each project's tests may run before the watchdog stops them: about
// three times their normal time on a busy two-core machine, so a slow run
// passes and a hung one fails within minutes. FIG_TEST_BUDGET_SCALE stretches
// every budget on a slower machine (e.g. 2).
const minutes = (n: number) => n * 60_000;

const budgets: Record<string, number> = {
  e2e: minutes(20),
  k8s: minutes(12),
  gateway: minutes(10),
  frontend: minutes(8),
  monolith: minutes(8),
  'store-svc': minutes(8),
};

const fallback = minutes(5);

export function budgetFor(project: string, env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.FIG_TEST_BUDGET_SCALE ?? '1');
  return (budgets[project] ?? fallback) * (Number.isFinite(scale) && scale > 0 ? scale : 1);
}
