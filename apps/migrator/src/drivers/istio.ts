import type { MigrationSpec, RouteDefinition, Step } from '@fig/migration';
import type { Driver } from './driver';
import type { virtualServiceRoutes } from './kube';

type Destination = { host: string; subset?: string };

function hostOf(baseline: RouteDefinition): string | undefined {
  const route = baseline['route'] as { destination?: Destination }[] | undefined;
  return route?.[0]?.destination?.host;
}

/**
 * A VirtualService http route at a step: `current` and `candidate` are
 * subsets of the service the route sends to (as the DestinationRules of
 * istio/ name v1, v2). Mirror steps use Istio's mirror with
 * mirrorPercentage; weight steps the route's weights.
 */
export function virtualServiceRouteFor(
  spec: MigrationSpec,
  baseline: RouteDefinition,
  step: Step,
): RouteDefinition {
  if (step.kind === 'baseline') return baseline;
  const host = hostOf(baseline)!;
  const { mirror: _m, mirrorPercentage: _p, route: _r, ...kept } = baseline;
  const to = (subset: string, weight: number) => ({ destination: { host, subset }, weight });
  if (step.kind === 'mirror') {
    return {
      ...kept,
      route: [to(spec.current, 100)],
      mirror: { host, subset: spec.candidate },
      mirrorPercentage: { value: step.percent },
    };
  }
  return {
    ...kept,
    route:
      step.percent === 100
        ? [to(spec.candidate, 100)]
        : [to(spec.current, 100 - step.percent), to(spec.candidate, step.percent)],
  };
}

export function istioDriver(routes: ReturnType<typeof virtualServiceRoutes>): Driver {
  return {
    kind: 'istio',
    async read(route) {
      // The mesh applies a VirtualService itself: there is no table version to wait for.
      return { definition: await routes.get(route), version: undefined };
    },
    async write(route, definition) {
      await routes.set(route, definition);
      return undefined;
    },
    definitionFor: virtualServiceRouteFor,
    unfit(spec, baseline) {
      const route = baseline['route'] as { destination?: Destination }[] | undefined;
      if (!hostOf(baseline)) return `http route ${spec.route} has no destination host`;
      if (route?.length !== 1 || route[0]!.destination?.subset !== spec.current)
        return `http route ${spec.route} must send everything to subset ${spec.current} when the migration starts`;
      return undefined;
    },
  };
}
