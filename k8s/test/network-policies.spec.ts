import { meshEdges, outsideMesh } from './support/mesh';
import { allowedEdges } from './support/network';
import { allTargets, catalogue, overlayTargets, rendered, type Target } from './support/render';
import { containerPorts, workloads } from './support/workloads';

function expectedEdges(t: Target): string[] {
  const pods = workloads(rendered(t.name));
  const services = pods
    .filter((w) => w.labels['app.kubernetes.io/component'] === 'service')
    .map((w) => w.name);
  return [
    // The calls the stage catalogue lists (stages.yaml), client → server:port.
    ...catalogue.edges(catalogue.resolve(t.stage)),
    // Every pod resolves names, and with Istio talks to istiod.
    ...pods.flatMap((w) => [`${w.name} → kube-dns:53`, `${w.name} → kube-dns:53/udp`]),
    ...(t.istio ? pods.map((w) => `${w.name} → istiod:15012`) : []),
    ...(t.observability
      ? [
          ...services.map((s) => `${s} → otel-collector:4318`),
          'otel-collector → jaeger:4317',
          // Prometheus scrapes each Fig pod's ops port and reads pods from the API server.
          ...pods
            .filter((w) => w.labels['app.kubernetes.io/part-of'] === 'fig')
            .flatMap((w) => {
              const ops = containerPorts(w).get('http-ops');
              return ops ? [`prometheus → ${w.name}:${ops}`] : [];
            }),
          'prometheus → world:443',
        ]
      : []),
  ].sort();
}

describe.each(overlayTargets.map((t) => [t.name, t]))('%s', (_name, target) => {
  it('allows exactly the calls of the architecture: no ops port, no other egress, DNS for all', () => {
    expect(allowedEdges(rendered(target.name))).toEqual(expectedEdges(target));
  });
});

// The migrator exercise (k8s/components/migrator) adds a controller that is in
// no stage's catalogue entry: its calls are these, on top of stage 1's.
const migratorCalls = [
  // Each gateway replica's /metrics: the only ops-port call allowed anywhere.
  'migrator → gateway:9080',
  // The Kubernetes API, outside the pod network.
  'migrator → world:443',
  'migrator → kube-dns:53',
  'migrator → kube-dns:53/udp',
];
const migratorTarget = allTargets.find((t) => t.components?.includes('k8s/components/migrator'))!;

describe(migratorTarget.name, () => {
  it("allows exactly stage 1's calls, the same for the candidate track monolith-v2, and the migrator's", () => {
    const stage = expectedEdges(overlayTargets.find((t) => t.name === migratorTarget.stage)!);
    const candidateTrack = stage
      .filter((e) => /monolith[ :]/.test(e))
      .map((e) => e.replace(/monolith(?=[ :])/, 'monolith-v2'));
    expect(allowedEdges(rendered(migratorTarget))).toEqual(
      [...stage, ...candidateTrack, ...migratorCalls].sort(),
    );
  });
});

describe.each(overlayTargets.filter((t) => t.istio).map((t) => [t.name]))('%s', (name) => {
  it("lets Istio's AuthorizationPolicies allow exactly the calls the NetworkPolicies allow", () => {
    const inside = new Set(workloads(rendered(name)).map((w) => w.name));
    // Prometheus stays out of the mesh: STRICT mTLS refuses its plain calls to
    // the apps' ports, and it scrapes each sidecar agent's merged metrics
    // (15020) instead, so neither side's edges from it compare.
    const unmeshed = new Set(
      workloads(rendered(name))
        .filter(outsideMesh)
        .map((w) => w.name),
    );
    const network = allowedEdges(rendered(name)).filter(
      (e) =>
        inside.has((/→ ([\w-]+):/.exec(e) as RegExpExecArray)[1] as string) &&
        !unmeshed.has(e.split(' → ')[0] as string),
    );
    const mesh = meshEdges(rendered(name)).filter(
      (e) => !unmeshed.has(e.split(' → ')[0] as string),
    );
    expect(mesh).toEqual(network);
  });
});

describe('the edge computation', () => {
  it('sees everything open when the default deny is taken away, so an exact match above means something', () => {
    const objects = rendered('stage-1-facade').filter((o) => o.kind !== 'NetworkPolicy');
    expect(allowedEdges(objects)).toEqual(
      expect.arrayContaining([
        'world → monolith:9081',
        'monolith → world:443',
        'redis → gateway:8080',
      ]),
    );
  });
});
