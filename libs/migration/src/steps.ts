import type { MigrationSpec, StepSpec } from './spec';

/** Where a migration stands: -1 is the route as it was before the migration began. */
export interface Step {
  index: number;
  /** `baseline`, `mirror 10%`, `weight 50%`. */
  name: string;
  kind: 'baseline' | 'mirror' | 'weight';
  percent: number;
}

export function stepAt(spec: MigrationSpec, index: number): Step {
  if (index < 0) return { index: -1, name: 'baseline', kind: 'baseline', percent: 0 };
  const s: StepSpec = spec.steps[index]!;
  const [kind, percent] = 'mirror' in s ? (['mirror', s.mirror] as const) : ['weight', s.weight];
  return { index, name: `${kind} ${percent}%`, kind, percent } as Step;
}

export type RouteDefinition = Record<string, unknown>;

/** The route file's action keys: a step replaces all of them. */
const actionKeys = ['proxy', 'split', 'choose', 'transcode', 'mirror'];

/**
 * The gateway route definition for a step: the route as it was at the start
 * (its match, timeouts, auth… untouched) with only its action replaced.
 */
export function gatewayRouteFor(
  spec: MigrationSpec,
  baseline: RouteDefinition,
  step: Step,
): RouteDefinition {
  if (step.kind === 'baseline') return baseline;
  const kept = Object.fromEntries(
    Object.entries(baseline).filter(([k]) => !actionKeys.includes(k)),
  );
  const { current, candidate } = spec;
  if (step.kind === 'mirror') {
    const { ignore, timeoutMs } = spec.compare;
    return {
      ...kept,
      proxy: { upstream: current },
      mirror: { upstream: candidate, percent: step.percent, ignore, timeoutMs },
    };
  }
  if (step.percent === 100) return { ...kept, proxy: { upstream: candidate } };
  return {
    ...kept,
    split: {
      targets: [
        { upstream: current, weight: 100 - step.percent },
        { upstream: candidate, weight: step.percent },
      ],
      ...(spec.sticky ? { sticky: spec.sticky } : {}),
    },
  };
}

/**
 * Why a route cannot be migrated by this spec, or undefined when it can: it
 * must be proxied to the current upstream when the migration starts, and a
 * mirror step needs requests that are safe to send twice.
 */
export function unfitBaseline(spec: MigrationSpec, baseline: RouteDefinition): string | undefined {
  const proxy = baseline['proxy'] as { upstream?: string } | undefined;
  if (proxy?.upstream !== spec.current)
    return `route ${spec.route} must proxy to ${spec.current} when the migration starts`;
  const methods = (baseline['match'] as { methods?: string[] } | undefined)?.methods;
  const safe = methods?.every((m) => m === 'GET' || m === 'HEAD') || baseline['sideEffectFree'];
  if (spec.steps.some((s) => 'mirror' in s) && !safe)
    return `route ${spec.route} cannot be mirrored: match.methods must be GET/HEAD only, or the route sideEffectFree`;
  return undefined;
}
