import { ofKind, selects } from './support/objects';
import { allTargets, rendered } from './support/render';
import {
  containerPorts,
  isPrimary,
  services,
  workloads,
  type Container,
  type Workload,
} from './support/workloads';

/** "250m" → 0.25, "1" → 1, "128Mi" → 134217728. */
function quantity(value: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(value));
  if (!m) throw new Error(`not a quantity: ${value}`);
  const units: Record<string, number> = {
    m: 1e-3,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(m[1]) * (m[2] ? (units[m[2]] as number) : 1);
}

function hardening(w: Workload, c: Container): string[] {
  const pod = w.pod.securityContext ?? {};
  const own = c.securityContext ?? {};
  return [
    pod.runAsNonRoot === true || own.runAsNonRoot === true ? '' : 'runAsNonRoot',
    (own.seccompProfile ?? pod.seccompProfile)?.type === 'RuntimeDefault'
      ? ''
      : 'seccomp RuntimeDefault',
    own.allowPrivilegeEscalation === false ? '' : 'allowPrivilegeEscalation false',
    own.readOnlyRootFilesystem === true ? '' : 'readOnlyRootFilesystem',
    (own.capabilities?.drop ?? []).includes('ALL') ? '' : 'drop ALL capabilities',
    own.privileged ? 'not privileged' : '',
  ].filter(Boolean);
}

function resources(_w: Workload, c: Container): string[] {
  const r = c.resources ?? {};
  return ['cpu', 'memory'].flatMap((kind) => {
    const request = r.requests?.[kind];
    const limit = r.limits?.[kind];
    if (request === undefined || limit === undefined) return [`${kind} request and limit`];
    return quantity(limit) >= quantity(request) ? [] : [`${kind} limit below request`];
  });
}

function probes(w: Workload, c: Container): string[] {
  const ports = containerPorts(w);
  return (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).flatMap((kind) => {
    const probe = c[kind];
    if (!probe) return [`${kind} missing`];
    if (probe.periodSeconds === undefined) return [`${kind} without a deliberate periodSeconds`];
    const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
    if (port !== undefined && !ports.has(port))
      return [`${kind} on port ${port}, which the container does not declare`];
    return port === undefined && !probe.exec ? [`${kind} has no handler`] : [];
  });
}

/** Seconds until the kubelet acts on a failing probe. */
const reactionSeconds = (p: {
  periodSeconds: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}) => p.periodSeconds * (p.failureThreshold ?? 3) + (p.timeoutSeconds ?? 1);

describe.each(allTargets.map((t) => [t.name]))('%s', (name) => {
  const objects = () => rendered(name);
  const each = (check: (w: Workload, c: Container) => string[]) =>
    workloads(objects()).flatMap((w) =>
      w.containers.flatMap((c) => check(w, c).map((p) => `${w.name}/${c.name}: ${p}`)),
    );

  it('hardens every pod: non-root, read-only root, no privilege escalation, no capabilities, seccomp', () => {
    expect(each(hardening)).toEqual([]);
  });

  it('gives every container CPU and memory requests and limits', () => {
    expect(each(resources)).toEqual([]);
  });

  it('gives every container startup, liveness and readiness probes on ports it declares', () => {
    expect(each(probes)).toEqual([]);
  });

  it('probes the services on their ops port: /livez to start and live, /readyz to serve, readiness reacting first', () => {
    const problems = services(objects()).flatMap((w) => {
      const c = w.containers[0] as Container;
      const on = (kind: string, path: string) =>
        c[kind]?.httpGet?.path === path && c[kind]?.httpGet?.port === 'http-ops'
          ? []
          : [`${w.name}: ${kind} should GET ${path} on http-ops`];
      return [
        ...on('startupProbe', '/livez'),
        ...on('livenessProbe', '/livez'),
        ...on('readinessProbe', '/readyz'),
        ...(reactionSeconds(c.readinessProbe) < reactionSeconds(c.livenessProbe)
          ? []
          : [`${w.name}: readiness should react before liveness`]),
        ...(reactionSeconds(c.startupProbe) >= 10 ? [] : [`${w.name}: startup window under 10 s`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('labels every pod with name, part-of, version, app and version, consistently', () => {
    const problems = workloads(objects()).flatMap((w) => {
      const l = w.labels;
      const missing = [
        'app.kubernetes.io/name',
        'app.kubernetes.io/part-of',
        'app.kubernetes.io/version',
        'app',
        'version',
      ].filter((k) => !l[k]);
      return [
        ...missing.map((k) => `${w.name}: label ${k}`),
        ...(l.app === l['app.kubernetes.io/name']
          ? []
          : [`${w.name}: app ≠ app.kubernetes.io/name`]),
        ...(l.version === l['app.kubernetes.io/version']
          ? []
          : [`${w.name}: version ≠ app.kubernetes.io/version`]),
        ...(l['app.kubernetes.io/part-of'] === 'fig' ? [] : [`${w.name}: part-of fig`]),
        ...(selects(w.object.spec.selector, l)
          ? []
          : [`${w.name}: selector does not select its own pods`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('gives the services APP_VERSION and POD_NAME from the downward API', () => {
    const problems = services(objects()).flatMap((w) => {
      const env = (w.containers[0]?.env ?? []) as {
        name: string;
        valueFrom?: { fieldRef?: { fieldPath: string } };
      }[];
      const field = (n: string) => env.find((e) => e.name === n)?.valueFrom?.fieldRef?.fieldPath;
      return [
        ...(field('APP_VERSION') === "metadata.labels['app.kubernetes.io/version']"
          ? []
          : [`${w.name}: APP_VERSION`]),
        ...(field('POD_NAME') === 'metadata.name' ? [] : [`${w.name}: POD_NAME`]),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('runs each stateless service as two or more replicas (the HPA minimum), autoscaled on CPU, spread over nodes, with a PDB keeping one', () => {
    const hpas = ofKind(objects(), 'HorizontalPodAutoscaler');
    const pdbs = ofKind(objects(), 'PodDisruptionBudget');
    const problems = services(objects())
      .filter(isPrimary)
      .flatMap((w) => {
        const hpa = hpas.find(
          (h) =>
            h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === w.name,
        );
        const cpu = hpa?.spec.metrics?.find(
          (m: { type: string; resource?: { name: string } }) =>
            m.type === 'Resource' && m.resource?.name === 'cpu',
        );
        const spread = (w.pod.topologySpreadConstraints ?? []).find(
          (t: { topologyKey: string; maxSkew: number; labelSelector: never }) =>
            t.topologyKey === 'kubernetes.io/hostname' &&
            t.maxSkew === 1 &&
            selects(t.labelSelector, w.labels),
        );
        const pdb = pdbs.find((p) => selects(p.spec.selector, w.labels));
        return [
          // The HPA owns the count: a fixed one would be reset on every apply.
          ...(w.object.spec.replicas === undefined ? [] : [`${w.name}: replicas left to the HPA`]),
          ...(hpa?.apiVersion === 'autoscaling/v2' &&
          hpa.spec.minReplicas >= 2 &&
          hpa.spec.maxReplicas > hpa.spec.minReplicas
            ? []
            : [`${w.name}: HPA min ≥ 2 < max`]),
          ...(cpu ? [] : [`${w.name}: HPA on CPU`]),
          ...(spread ? [] : [`${w.name}: spread over kubernetes.io/hostname`]),
          ...(pdb && (pdb.spec.minAvailable >= 1 || pdb.spec.maxUnavailable === 1)
            ? []
            : [`${w.name}: PDB keeping one available`]),
        ];
      });
    expect(problems).toEqual([]);
  });

  it('covers every workload with exactly one PodDisruptionBudget', () => {
    const pdbs = ofKind(objects(), 'PodDisruptionBudget');
    const counts = workloads(objects()).map(
      (w) => `${w.name}: ${pdbs.filter((p) => selects(p.spec.selector, w.labels)).length}`,
    );
    expect(counts).toEqual(workloads(objects()).map((w) => `${w.name}: 1`));
  });

  it('mounts a writable emptyDir wherever a pod needs one, and nothing else writable', () => {
    const problems = workloads(objects()).flatMap((w) =>
      (w.pod.volumes ?? [])
        .filter(
          (v: { emptyDir?: unknown; configMap?: unknown; persistentVolumeClaim?: unknown }) =>
            !v.emptyDir && !v.configMap,
        )
        .map((v: { name: string }) => `${w.name}: volume ${v.name}`),
    );
    expect(problems).toEqual([]);
  });
});
