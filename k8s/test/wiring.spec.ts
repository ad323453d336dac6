import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fromRoot } from './support/paths';
import { named, ofKind, selects, type K8sObject } from './support/objects';
import { ingressGateway } from './support/mesh';
import { allTargets, catalogue, overlayTargets, rendered } from './support/render';
import { containerPorts, selectable, selectedBy, services, workloads } from './support/workloads';

// Istio picks the protocol from the port name (or appProtocol): "grpc" makes it
// HTTP/2-aware, so gRPC is balanced per call rather than per connection.
const protocolPrefix = /^(http|http2|grpc|grpc-web|tcp|tls|https|redis|mongo|mysql)(-|$)/;

/** The ServiceAccounts some RoleBinding grants a Role: only those may mount an API token. */
function roleBound(objects: K8sObject[]): Set<string> {
  return new Set(
    ofKind(objects, 'RoleBinding').flatMap((b) =>
      (b.subjects as { kind: string; name: string }[])
        .filter((s) => s.kind === 'ServiceAccount')
        .map((s) => s.name),
    ),
  );
}

type Rule = { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] };

/** A Service that leads outside the cluster (exercise 15): an ExternalName, or endpoints kept by hand. */
function leadsOutside(objects: K8sObject[], s: K8sObject): boolean {
  if (s.spec.type === 'ExternalName') return Boolean(s.spec.externalName);
  const slices = ofKind(objects, 'EndpointSlice').filter(
    (e) => e.metadata.labels?.['kubernetes.io/service-name'] === s.metadata.name,
  );
  // The slice's ports must carry the Service's port names, or kube-proxy matches none.
  const names = new Set(slices.flatMap((e) => e.ports.map((p: { name: string }) => p.name)));
  return (
    !s.spec.selector &&
    slices.length > 0 &&
    s.spec.ports.every((p: { name: string }) => names.has(p.name))
  );
}

function serviceProblems(objects: K8sObject[]): string[] {
  return ofKind(objects, 'Service').flatMap((s) => {
    const selected = s.spec.selector
      ? selectable(objects).filter((w) => selects({ matchLabels: s.spec.selector }, w.labels))
      : [];
    if (!selected.length && !leadsOutside(objects, s))
      return [`Service ${s.metadata.name} selects no pods`];
    return (
      s.spec.ports as {
        name?: string;
        port: number;
        targetPort?: string | number;
        appProtocol?: string;
      }[]
    ).flatMap((p) => [
      ...selected
        .filter((w) => !containerPorts(w).has(p.targetPort ?? p.port))
        .map(
          (w) =>
            `Service ${s.metadata.name} port ${p.name}: targetPort ${p.targetPort} not on ${w.name}`,
        ),
      ...(p.name && protocolPrefix.test(p.name)
        ? []
        : [`Service ${s.metadata.name}: port name ${p.name} has no protocol prefix`]),
    ]);
  });
}

describe.each(overlayTargets.map((t) => [t.name, t]))('%s', (name, target) => {
  it('deploys exactly the parts of its stage', () => {
    const tracing = target.observability ? ['jaeger', 'otel-collector', 'prometheus'] : [];
    expect(
      workloads(rendered(name))
        .map((w) => w.name)
        .sort(),
    ).toEqual([...catalogue.workloads(catalogue.resolve(target.stage)), ...tracing].sort());
  });

  it('runs Redis as a StatefulSet with append-only persistence on a volume and a password from its Secret', () => {
    const redis = named(rendered(name), 'StatefulSet', 'redis');
    const container = redis?.spec.template.spec.containers[0];
    const args = (container?.args ?? []).join(' ');
    expect(args).toMatch(/--appendonly yes/);
    expect(args).toMatch(/--requirepass \$\(REDIS_PASSWORD\)/);
    expect(container?.env).toContainEqual({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'redis', key: 'password' } },
    });
    expect(redis?.spec.volumeClaimTemplates.map((v: K8sObject) => v.metadata.name)).toEqual([
      'data',
    ]);
    expect(container?.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(named(rendered(name), 'Secret', 'redis')?.data.password).toBeTruthy();
  });

  it("takes the Redis password from the checkout's generated, git-ignored file, never a committed literal", () => {
    const file = fromRoot('k8s/base/redis/secret/password');
    const password = Buffer.from(
      named(rendered(name), 'Secret', 'redis')?.data.password,
      'base64',
    ).toString();
    expect(password).toMatch(/^[0-9a-f]{32}$/);
    expect(password).toBe(readFileSync(file, 'utf8'));
    expect(() =>
      execFileSync('git', ['check-ignore', '-q', file], { cwd: fromRoot('.') }),
    ).not.toThrow();
    expect(readFileSync(fromRoot('k8s/base/redis/kustomization.yaml'), 'utf8')).not.toMatch(
      /literals/,
    );
  });
});

describe.each(allTargets.map((t) => [t.name, t.istio]))('%s', (name, istio) => {
  const objects = () => rendered(name);

  it('has Services that select pods and target ports those pods declare, with protocol-named ports', () => {
    expect(serviceProblems(objects())).toEqual([]);
  });

  it('runs every pod under a ServiceAccount of its own that exists, without an API token unless a Role is bound to it', () => {
    const bound = roleBound(objects());
    const problems = workloads(objects()).flatMap((w) => [
      ...(named(objects(), 'ServiceAccount', w.pod.serviceAccountName)
        ? []
        : [`${w.name}: no ServiceAccount ${w.pod.serviceAccountName}`]),
      ...(w.pod.serviceAccountName === w.labels['app.kubernetes.io/name']
        ? []
        : [`${w.name}: runs as ${w.pod.serviceAccountName}`]),
      ...(w.pod.automountServiceAccountToken === false || bound.has(w.pod.serviceAccountName)
        ? []
        : [`${w.name}: mounts an API token without a Role bound to its account`]),
    ]);
    expect(problems).toEqual([]);
  });

  it('grants the API least privilege: the live view reads Deployments, ReplicaSets and Pods, Prometheus Pods; any other Role gets and patches named objects only', () => {
    expect(ofKind(objects(), 'ClusterRoleBinding')).toEqual([]);
    expect(
      [...roleBound(objects())].filter((a) => !['live-view', 'migrator', 'prometheus'].includes(a)),
    ).toEqual([]);
    // Pod discovery for the scrapes (k8s/components/observability), where it runs.
    const prometheus = named(objects(), 'Role', 'prometheus');
    if (prometheus)
      expect(prometheus.rules).toEqual([
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ]);
    expect(named(objects(), 'Role', 'live-view')?.rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'replicasets'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const problems = ofKind(objects(), 'Role')
      .filter((role) => !['live-view', 'prometheus'].includes(role.metadata.name))
      .flatMap((role) =>
        (role['rules'] as Rule[])
          .filter(
            (r) => !r.resourceNames?.length || r.verbs.some((v) => !['get', 'patch'].includes(v)),
          )
          .map(
            (r) => `Role ${role.metadata.name}: ${r.verbs.join(',')} on ${r.resources.join(',')}`,
          ),
      );
    expect(problems).toEqual([]);
  });

  it('declares each environment variable once per container (a later duplicate hides the first, and apply may drop it)', () => {
    const problems = workloads(objects()).flatMap((w) =>
      w.containers.flatMap((c) => {
        const names = (c.env ?? []).map((e: { name: string }) => e.name);
        return names
          .filter((n: string, i: number) => names.indexOf(n) !== i)
          .map((n: string) => `${w.name}/${c.name}: ${n}`);
      }),
    );
    expect(problems).toEqual([]);
  });

  it('runs each service from its own locally built image, never pulled', () => {
    const problems = services(objects()).flatMap((w) => {
      const c = w.containers[0];
      return c?.image === `fig-${w.labels['app.kubernetes.io/name']}` &&
        c.imagePullPolicy === 'IfNotPresent'
        ? []
        : [`${w.name}: ${c?.image} ${c?.imagePullPolicy}`];
    });
    expect(problems).toEqual([]);
  });

  it('exposes the front door as fig:8080 on NodePort 30080', () => {
    const fig = named(objects(), 'Service', 'fig');
    expect(fig?.spec.type).toBe('NodePort');
    expect(fig?.spec.ports).toEqual([expect.objectContaining({ port: 8080, nodePort: 30080 })]);
  });

  if (!istio) return;

  it('defines DestinationRule subsets that match real version labels', () => {
    const problems = ofKind(objects(), 'DestinationRule').flatMap((dr) => {
      const service = named(objects(), 'Service', dr.spec.host);
      if (!service) return [`DestinationRule ${dr.metadata.name}: no Service ${dr.spec.host}`];
      const pods = selectable(objects()).filter((w) =>
        selects({ matchLabels: service.spec.selector }, w.labels),
      );
      return (dr.spec.subsets ?? []).flatMap(
        (s: { name: string; labels: Record<string, string> }) =>
          pods.some((w) => selects({ matchLabels: s.labels }, w.labels))
            ? []
            : [`${dr.metadata.name} subset ${s.name} matches no pod`],
      );
    });
    expect(problems).toEqual([]);
  });

  it('routes VirtualServices to Services, ports and subsets that exist, through Gateways that exist', () => {
    const problems = ofKind(objects(), 'VirtualService').flatMap((vs) => {
      const destinations = (vs.spec.http ?? []).flatMap(
        (h: { route?: { destination: unknown }[]; mirror?: unknown }) => [
          ...(h.route ?? []).map((r) => r.destination),
          ...(h.mirror ? [h.mirror] : []),
        ],
      ) as { host: string; subset?: string; port?: { number: number } }[];
      const gateways = (vs.spec.gateways ?? []).filter(
        (g: string) => g !== 'mesh' && !named(objects(), 'Gateway', g),
      );
      return [
        ...gateways.map((g: string) => `${vs.metadata.name}: no Gateway ${g}`),
        ...destinations.flatMap((d) => {
          const service = named(objects(), 'Service', d.host);
          if (!service) return [`${vs.metadata.name}: no Service ${d.host}`];
          const port =
            !d.port || service.spec.ports.some((p: { port: number }) => p.port === d.port?.number);
          const subsets = ofKind(objects(), 'DestinationRule')
            .filter((dr) => dr.spec.host === d.host)
            .flatMap((dr) => dr.spec.subsets ?? []);
          const subset = !d.subset || subsets.some((s: { name: string }) => s.name === d.subset);
          return [
            ...(port ? [] : [`${vs.metadata.name}: ${d.host} has no port ${d.port?.number}`]),
            ...(subset ? [] : [`${vs.metadata.name}: no subset ${d.subset} of ${d.host}`]),
          ];
        }),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('allows only callers that exist: principals are ServiceAccounts pods run as, ports are ports the callee declares', () => {
    const accounts = new Set([
      ingressGateway,
      ...selectable(objects()).map((w) => `cluster.local/ns/fig/sa/${w.pod.serviceAccountName}`),
    ]);
    const problems = ofKind(objects(), 'AuthorizationPolicy').flatMap((ap) => {
      const callees = selectable(objects()).filter((w) => selects(ap.spec.selector, w.labels));
      if (ap.spec.selector && !callees.length) return [`${ap.metadata.name} selects no pods`];
      type Rule = {
        from?: { source: { principals?: string[]; notPrincipals?: string[] } }[];
        to?: { operation: { ports?: string[] } }[];
      };
      return (ap.spec.rules ?? []).flatMap((rule: Rule) => [
        ...(rule.from ?? []).flatMap((f) =>
          [...(f.source.principals ?? []), ...(f.source.notPrincipals ?? [])]
            .filter((p) => p !== '*' && !accounts.has(p))
            .map((p) => `${ap.metadata.name}: unknown principal ${p}`),
        ),
        ...(rule.to ?? []).flatMap((t) =>
          (t.operation.ports ?? [])
            .filter((p) => callees.some((w) => !containerPorts(w).has(Number(p))))
            .map((p) => `${ap.metadata.name}: port ${p} not declared`),
        ),
      ]);
    });
    expect(problems).toEqual([]);
  });

  it('denies by default, requires mutual TLS and injects sidecars into the namespace', () => {
    const denyAll = ofKind(objects(), 'AuthorizationPolicy').find(
      (ap) => JSON.stringify(ap.spec) === '{}',
    );
    const strict = ofKind(objects(), 'PeerAuthentication').find(
      (pa) => !pa.spec.selector && pa.spec.mtls?.mode === 'STRICT',
    );
    const namespace = named(objects(), 'Namespace', 'fig');
    expect({
      denyAll: Boolean(denyAll),
      strict: Boolean(strict),
      injection: namespace?.metadata.labels?.['istio-injection'],
    }).toEqual({
      denyAll: true,
      strict: true,
      injection: 'enabled',
    });
  });

  it('exempts from mTLS only the front door public port, which then accepts anyone', () => {
    const exemptions = ofKind(objects(), 'PeerAuthentication').flatMap((pa) =>
      Object.entries(pa.spec.portLevelMtls ?? {}).map(([port, m]) => {
        const pods = workloads(objects()).filter((w) => selects(pa.spec.selector, w.labels));
        return `${pods.map((w) => w.name).join(',')}:${port}:${(m as { mode: string }).mode}`;
      }),
    );
    const front = selectedBy(objects(), named(objects(), 'Service', 'fig')?.spec.selector);
    const frontPort = front.map((w) => containerPorts(w).get('http'));
    expect(exemptions).toEqual([
      `${front.map((w) => w.name).join(',')}:${frontPort[0]}:PERMISSIVE`,
    ]);
  });
});
