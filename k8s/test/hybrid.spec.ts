import { named, ofKind, selects, type K8sObject } from './support/objects';
import { catalogue, hybridTargets, rendered } from './support/render';
import { resolveEnv } from './support/env';
import { workloadEntries, workloads } from './support/workloads';

// Exercise 15: the monolith outside the cluster, its callers unchanged
// (ADR 0515). Each variant must keep `monolith:8081` meaningful, run no
// monolith inside, and let the callers' NetworkPolicies reach the outside.

const kinds = ['endpointslice', 'externalname', 'mesh'];
const byKind = (kind: string) => hybridTargets.filter((t) => t.name.endsWith(`hybrid ${kind}`));

/** Whether an IPv4 address falls in a CIDR block. */
function inBlock(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(address) / size) === Math.floor(toInt(base) / size);
}

/** Whether some egress rule lets `app`'s pods open `port` to `address` outside the pod network. */
function egressAllows(objects: K8sObject[], app: string, address: string, port: number) {
  const labels = workloads(objects).find((w) => w.name === app)?.labels ?? {};
  return ofKind(objects, 'NetworkPolicy')
    .filter((p) => p.spec.policyTypes?.includes('Egress') && selects(p.spec.podSelector, labels))
    .some((p) =>
      (p.spec.egress ?? []).some(
        (rule: { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }) =>
          rule.to?.some((to) => to.ipBlock && inBlock(address, to.ipBlock.cidr)) &&
          rule.ports?.some((p) => p.port === port),
      ),
    );
}

describe('exercise 15’s variants', () => {
  it('exist for the stage the exercise runs on, each kind once', () => {
    const stage = catalogue.defaultStage.id;
    expect(hybridTargets.map((t) => t.name).sort()).toEqual(
      kinds.map((k) => `${stage} + hybrid ${k}`).sort(),
    );
  });
});

describe.each(hybridTargets.map((t) => [t.name, t]))('%s', (_n, target) => {
  const objects = () => rendered(target);

  it('runs no monolith in the cluster, and nothing that would scale or guard one', () => {
    expect(
      workloads(objects()).filter((w) => w.labels['app.kubernetes.io/name'] === 'monolith'),
    ).toEqual([]);
    expect(named(objects(), 'HorizontalPodAutoscaler', 'monolith')).toBeUndefined();
    expect(named(objects(), 'PodDisruptionBudget', 'monolith')).toBeUndefined();
  });

  it('labels what the exercise applies app.kubernetes.io/name=monolith, and no workload', () => {
    // `kubectl apply -l app.kubernetes.io/name=monolith` must take these and
    // leave the Deployments (and the images skaffold built) alone.
    const applied = objects().filter(
      (o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'monolith',
    );
    const kinds = new Set(applied.map((o) => o.kind));
    expect(kinds.has('Service')).toBe(true);
    expect(kinds.has('NetworkPolicy')).toBe(true);
    expect([...kinds].filter((k) => ['Deployment', 'StatefulSet'].includes(k))).toEqual([]);
    for (const kind of ['EndpointSlice', 'WorkloadEntry', 'ServiceEntry'])
      for (const o of ofKind(objects(), kind))
        expect([kind, o.metadata.labels?.['app.kubernetes.io/name']]).toEqual([kind, 'monolith']);
  });

  it('keeps every other app of the stage, still calling monolith:8081', () => {
    const apps = catalogue.resolve(target.stage).apps.filter((a) => a !== 'monolith');
    const deployed = workloads(objects()).map((w) => w.labels['app.kubernetes.io/name']);
    expect(apps.filter((a) => !deployed.includes(a))).toEqual([]);
    for (const caller of ['gateway', 'frontend']) {
      const w = workloads(objects()).find((x) => x.name === caller)!;
      expect([caller, resolveEnv(objects(), w).MONOLITH_URL]).toEqual([
        caller,
        'http://monolith:8081',
      ]);
    }
    expect(named(objects(), 'Service', 'monolith')?.spec.ports).toEqual([
      expect.objectContaining({ name: 'http', port: 8081 }),
    ]);
  });
});

describe.each(byKind('endpointslice').map((t) => [t.name, t]))('%s', (_n, target) => {
  it('points the selector-less monolith Service at the outside address, reachable by its callers', () => {
    const objects = rendered(target);
    expect(named(objects, 'Service', 'monolith')?.spec.selector).toBeUndefined();
    const slice = ofKind(objects, 'EndpointSlice').find(
      (e) => e.metadata.labels?.['kubernetes.io/service-name'] === 'monolith',
    );
    expect(slice?.ports).toEqual([{ name: 'http', port: 8081, protocol: 'TCP' }]);
    const address = slice?.endpoints[0].addresses[0] as string;
    for (const caller of ['gateway', 'frontend'])
      expect([caller, egressAllows(objects, caller, address, 8081)]).toEqual([caller, true]);
    // Nothing else may reach it: the rule is for the monolith's callers only.
    expect(egressAllows(objects, 'store-svc', address, 8081)).toBe(false);
  });
});

describe.each(byKind('externalname').map((t) => [t.name, t]))('%s', (_n, target) => {
  it('makes monolith a CNAME to the legacy host, reachable by its callers on 8081', () => {
    const objects = rendered(target);
    const service = named(objects, 'Service', 'monolith');
    expect(service?.spec).toEqual(
      expect.objectContaining({ type: 'ExternalName', externalName: expect.stringMatching(/\./) }),
    );
    expect(service?.spec.selector).toBeUndefined();
    // A name, not an address: any address outside must be allowed on the port.
    for (const caller of ['gateway', 'frontend'])
      expect([caller, egressAllows(objects, caller, '203.0.113.7', 8081)]).toEqual([caller, true]);
  });
});

describe.each(byKind('mesh').map((t) => [t.name, t]))('%s', (_n, target) => {
  const objects = () => rendered(target);

  it('describes the VM with the monolith pods’ labels and identity, so the Service and its subsets select it', () => {
    const [vm] = workloadEntries(objects());
    expect(vm?.pod.serviceAccountName).toBe('monolith');
    expect(named(objects(), 'ServiceAccount', 'monolith')).toBeDefined();
    const service = named(objects(), 'Service', 'monolith');
    expect(selects({ matchLabels: service?.spec.selector }, vm?.labels)).toBe(true);
    expect(vm?.labels.version).toBe('v1');
    expect(vm?.containers[0]?.ports).toEqual([{ name: 'http', containerPort: 8081 }]);
  });

  it('registers it as a mesh-internal ServiceEntry that selects the same WorkloadEntry', () => {
    const [entry] = ofKind(objects(), 'ServiceEntry');
    const [vm] = workloadEntries(objects());
    expect(entry?.spec).toEqual(
      expect.objectContaining({ location: 'MESH_INTERNAL', resolution: 'STATIC' }),
    );
    expect(selects({ matchLabels: entry?.spec.workloadSelector.labels }, vm?.labels)).toBe(true);
  });

  it('lets the monolith’s callers reach the VM through their NetworkPolicies', () => {
    const address = ofKind(objects(), 'WorkloadEntry')[0]?.spec.address as string;
    for (const caller of ['gateway', 'frontend'])
      expect([caller, egressAllows(objects(), caller, address, 8081)]).toEqual([caller, true]);
  });
});
