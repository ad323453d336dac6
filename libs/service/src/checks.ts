/** A named dependency check. Non-critical checks report degradation without failing readiness. */
export interface Check {
  name: string;
  critical?: boolean;
  /** Resolves when healthy; rejects (or times out) when not. May return details. */
  run(signal: AbortSignal): Promise<unknown>;
}

export interface CheckResult {
  ok: boolean;
  critical: boolean;
  ms: number;
  error?: string;
  details?: unknown;
}

export interface ReadinessReport {
  status: 'ready' | 'degraded' | 'not-ready' | 'draining';
  checks: Record<string, CheckResult>;
}

async function runOne(check: Check, timeoutMs: number): Promise<CheckResult> {
  const critical = check.critical ?? true;
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error(`timed out after ${timeoutMs} ms`)), {
      once: true,
    }),
  );
  try {
    const details = await Promise.race([check.run(signal), timedOut]);
    const ms = Math.round(performance.now() - started);
    return details === undefined ? { ok: true, critical, ms } : { ok: true, critical, ms, details };
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    return { ok: false, critical, ms, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Runs every check concurrently, each bounded by `timeoutMs`, so /readyz never hangs. */
export async function runChecks(
  checks: readonly Check[],
  { draining, timeoutMs = 1_000 }: { draining: boolean; timeoutMs?: number },
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  const entries = Object.fromEntries(checks.map((c, i) => [c.name, results[i]!]));
  const failedCritical = results.some((r) => !r.ok && r.critical);
  const failedOther = results.some((r) => !r.ok);
  const status = draining
    ? 'draining'
    : failedCritical
      ? 'not-ready'
      : failedOther
        ? 'degraded'
        : 'ready';
  return { status, checks: entries };
}
