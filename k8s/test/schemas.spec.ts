import type { K8sObject } from './support/objects';
import { allTargets, catalogue, rendered } from './support/render';

type Model = new (data: K8sObject) => { validate(): void };

/**
 * The installed @kubernetes-models/istio (2.3.0, the CommonJS line that
 * matches kubernetes-models 4.x) predates networking.istio.io/v1 and
 * PeerAuthentication in security.istio.io/v1. Istio promoted those APIs with
 * unchanged schemas, so their v1beta1 validators check the same fields.
 */
const sameSchemaAs: Record<string, string> = {
  'networking.istio.io/v1': 'networking.istio.io/v1beta1',
  'security.istio.io/v1/PeerAuthentication': 'security.istio.io/v1beta1',
};

function validatedAs(apiVersion: string, kind: string): string {
  return sameSchemaAs[`${apiVersion}/${kind}`] ?? sameSchemaAs[apiVersion] ?? apiVersion;
}

function model(version: string, kind: string): Model | undefined {
  const modulePath = version.includes('istio.io')
    ? `@kubernetes-models/istio/${version}`
    : `kubernetes-models/${version}`;
  try {
    // The model module is chosen by apiVersion at run time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(modulePath) as Record<string, Model>)[kind];
  } catch {
    return undefined;
  }
}

/**
 * No validators are installed for the Gateway API; these checks stand in for
 * them on the fields the ingress component uses.
 */
const gatewayApi: Record<string, (o: K8sObject) => string[]> = {
  Gateway: (o) => [
    ...(typeof o.spec?.gatewayClassName === 'string'
      ? []
      : ['spec.gatewayClassName must be a string']),
    ...((o.spec?.listeners ?? []).length ? [] : ['spec.listeners must not be empty']),
    ...(o.spec?.listeners ?? []).flatMap(
      (l: { name?: unknown; port?: unknown; protocol?: unknown }) =>
        typeof l.name === 'string' &&
        Number.isInteger(l.port) &&
        ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'].includes(l.protocol as string)
          ? []
          : [`listener ${JSON.stringify(l)} needs name, integer port and a known protocol`],
    ),
  ],
  HTTPRoute: (o) => [
    ...((o.spec?.parentRefs ?? []).length ? [] : ['spec.parentRefs must not be empty']),
    ...(o.spec?.rules ?? []).flatMap((r: { backendRefs?: { name?: unknown; port?: unknown }[] }) =>
      (r.backendRefs ?? []).flatMap((b) =>
        typeof b.name === 'string' && Number.isInteger(b.port)
          ? []
          : [`backendRef ${JSON.stringify(b)}`],
      ),
    ),
  ],
};

function problems(o: K8sObject): string[] {
  const [group] = o.apiVersion.split('/');
  if (group === 'gateway.networking.k8s.io') {
    const check = gatewayApi[o.kind];
    return check ? check(o) : [`no check for ${o.apiVersion} ${o.kind}`];
  }
  const version = validatedAs(o.apiVersion, o.kind);
  const Model = model(version, o.kind);
  if (!Model) return [`no schema for ${o.apiVersion} ${o.kind}`];
  try {
    new Model({ ...o, apiVersion: version }).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

describe.each(allTargets.map((t) => [t.name]))('%s', (name) => {
  it('renders with kubectl kustomize', () => {
    expect(rendered(name).length).toBeGreaterThan(0);
  });

  it('validates every object against the Kubernetes, Istio and Gateway API schemas', () => {
    const found = rendered(name).flatMap((o) =>
      problems(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`),
    );
    expect(found).toEqual([]);
  });

  it('puts every object in the fig namespace', () => {
    const stray = rendered(name).filter(
      (o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'fig',
    );
    expect(stray.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });
});

describe('the validators', () => {
  it('reject a wrongly typed field, so a pass above means something', () => {
    const broken = rendered(`${catalogue.defaultStage.id} + istio`).filter((o) =>
      ['Deployment', 'VirtualService', 'AuthorizationPolicy'].includes(o.kind),
    );
    const kinds = new Set<string>();
    for (const o of broken) {
      const copy = JSON.parse(JSON.stringify(o)) as K8sObject;
      if (o.kind === 'Deployment') copy.spec.replicas = 'two';
      if (o.kind === 'VirtualService') copy.spec.hosts = 'monolith';
      if (o.kind === 'AuthorizationPolicy') copy.spec.action = 42;
      if (problems(copy).length) kinds.add(o.kind);
    }
    expect([...kinds].sort()).toEqual(['AuthorizationPolicy', 'Deployment', 'VirtualService']);
  });
});
