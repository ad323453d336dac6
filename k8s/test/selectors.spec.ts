import { selects, type LabelSelector } from './support/objects';
import { allTargets, rendered } from './support/render';
import { workloads, type Workload } from './support/workloads';

// A Deployment's selector is immutable, so whatever it holds can never change
// in place: `version` there would make a v1 → v2 rolling update impossible
// (ADR 0512). The tracks of an app (monolith and monolith-v2) must still never
// claim each other's pods, or each would scale the other's ReplicaSets down.

/**
 * Whether some pod could match both selectors. With equality selectors only
 * (all Fig uses), that is: no key asks for two different values.
 */
function overlap(a: LabelSelector, b: LabelSelector): boolean {
  if (a.matchExpressions?.length || b.matchExpressions?.length)
    throw new Error('selector with matchExpressions: teach overlap() about them');
  const other = b.matchLabels ?? {};
  return Object.entries(a.matchLabels ?? {}).every(([k, v]) => !(k in other) || other[k] === v);
}

const selector = (w: Workload) => w.object.spec.selector as LabelSelector;

describe.each(allTargets.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  const all = () => workloads(rendered(target));

  it('keeps `version` out of every workload selector', () => {
    const withVersion = all()
      .filter((w) => Object.keys(selector(w).matchLabels ?? {}).some((k) => /version/.test(k)))
      .map((w) => `${w.kind}/${w.name}`);
    expect(withVersion).toEqual([]);
  });

  it('gives no two workloads selectors that could match the same pod', () => {
    const pairs: string[] = [];
    const list = all();
    list.forEach((a, i) =>
      list.slice(i + 1).forEach((b) => {
        if (overlap(selector(a), selector(b))) pairs.push(`${a.name} ~ ${b.name}`);
      }),
    );
    expect(pairs).toEqual([]);
  });

  it('has each workload select its own pods and no other workload’s', () => {
    const list = all();
    const wrong = list.flatMap((w) =>
      list
        .filter((other) => selects(selector(w), other.labels) !== (other === w))
        .map((other) => `${w.name} → ${other.name}`),
    );
    expect(wrong).toEqual([]);
  });

  it('labels every pod with its version, for Istio subsets and the live view', () => {
    const unlabelled = all()
      .filter((w) => w.labels['app.kubernetes.io/component'] === 'service')
      .filter(
        (w) => !w.labels.version || w.labels.version !== w.labels['app.kubernetes.io/version'],
      )
      .map((w) => w.name);
    expect(unlabelled).toEqual([]);
  });
});
