import { buckets, quantileBetween, sum, type Sample } from './prometheus';
import type { MigrationSpec } from './spec';
import type { Step } from './steps';

/** One gate as the control API and the live view show it: value ≤ threshold is ok. */
export interface GateResult {
  name: 'mismatchRate' | 'errorRate' | 'p99Ms';
  /** null while there is nothing to judge (no traffic of that kind yet, or n/a at this step). */
  value: number | null;
  threshold: number;
  ok: boolean;
}

export interface Evaluation {
  /** Requests that count as evidence for this step: mirrored comparisons, or the candidate's answers. */
  evidence: number;
  gates: GateResult[];
  /** The current upstream's p99 (ms) over the window, kept as the reference once it gets no traffic. */
  currentP99Ms?: number;
}

const requests = 'gateway_requests_total';
const duration = 'gateway_request_duration_seconds';

function gate(name: GateResult['name'], value: number | null, threshold: number): GateResult {
  return { name, value, threshold, ok: value === null || value <= threshold };
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function p99Ms(before: readonly Sample[], after: readonly Sample[], name: string, where: object) {
  const w = where as Record<string, string>;
  const q = quantileBetween(buckets(before, name, w), buckets(after, name, w), 0.99);
  return q === undefined ? undefined : q * 1000;
}

/**
 * Judges a step from two scrapes of the gateway's /metrics: the one taken when
 * the step went live and the latest. Returns undefined when a counter went
 * backwards (a gateway restarted), so the caller starts the window again.
 */
export function evaluate(
  spec: MigrationSpec,
  step: Step,
  before: readonly Sample[],
  after: readonly Sample[],
  referenceP99Ms?: number,
): Evaluation | undefined {
  const { route, current, candidate, gates } = spec;
  const delta = (
    name: string,
    where: Record<string, string>,
    keep?: (l: Record<string, string>) => boolean,
  ) => sum(after, name, where, keep) - sum(before, name, where, keep);
  const shadow = (result: string) => delta('gateway_shadow_total', { route, result });
  const counts = {
    match: shadow('match'),
    mismatch: shadow('mismatch'),
    shadowError: shadow('error'),
    candidate: delta(requests, { route, upstream: candidate }),
    candidate5xx: delta(requests, { route, upstream: candidate }, (l) =>
      l['status_code']!.startsWith('5'),
    ),
    current: delta(requests, { route, upstream: current }),
  };
  if (Object.values(counts).some((n) => n < 0)) return undefined;

  const currentP99 = p99Ms(before, after, duration, { route, upstream: current }) ?? referenceP99Ms;
  const mirror = step.kind === 'mirror';
  const evidence = mirror ? counts.match + counts.mismatch + counts.shadowError : counts.candidate;
  const candidateP99 = mirror
    ? p99Ms(before, after, 'gateway_shadow_duration_seconds', { route })
    : p99Ms(before, after, duration, { route, upstream: candidate });
  // Without a reference there is nothing to compare with: the gate shows null, not a made-up bound.
  const allowedP99 =
    currentP99 === undefined ? 0 : currentP99 * gates.p99.maxRatio + gates.p99.toleranceMs;
  return {
    evidence,
    gates: [
      // Answers are compared only while mirroring: at a weight step nothing is compared.
      gate(
        'mismatchRate',
        mirror ? ratio(counts.mismatch, counts.match + counts.mismatch) : null,
        gates.mismatchRate,
      ),
      gate(
        'errorRate',
        mirror ? ratio(counts.shadowError, evidence) : ratio(counts.candidate5xx, evidence),
        gates.errorRate,
      ),
      gate(
        'p99Ms',
        candidateP99 === undefined || currentP99 === undefined ? null : candidateP99,
        allowedP99,
      ),
    ],
    ...(currentP99 !== undefined ? { currentP99Ms: currentP99 } : {}),
  };
}
