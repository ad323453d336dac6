import { ofKind, selects, type K8sObject } from './objects';
import { containerPorts, workloads, type Workload } from './workloads';

interface Source {
  principals?: string[];
  notPrincipals?: string[];
  namespaces?: string[];
}
interface AuthorizationRule {
  from?: { source: Source }[];
  to?: { operation: { ports?: string[] } }[];
}

const principal = (serviceAccount: string) => `cluster.local/ns/fig/sa/${serviceAccount}`;
export const ingressGateway =
  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

/** A workload whose pods get no sidecar: no mTLS identity, and its calls are plaintext. */
export const outsideMesh = (w: Workload) =>
  w.object.spec.template.metadata?.annotations?.['sidecar.istio.io/inject'] === 'false';

const listed = (ids: string[] | undefined, id: string) =>
  (ids ?? []).some((p) => p === '*' || p === id);

/**
 * "world" stands for callers from outside the namespace: Istio's ingress
 * gateway, or a plaintext client without any identity (through the NodePort).
 */
function sourceMatches(source: Source, client: string | undefined): boolean {
  if (!client) {
    const plaintext = !source.principals && !source.namespaces && listed(source.notPrincipals, '');
    return plaintext || Boolean(source.principals?.includes(ingressGateway));
  }
  const id = principal(client);
  return (
    (!source.principals || listed(source.principals, id)) &&
    (!source.namespaces || source.namespaces.includes('fig')) &&
    !listed(source.notPrincipals, id)
  );
}

/**
 * The calls Istio's ALLOW AuthorizationPolicies let through to the fig
 * workloads, as "client → server:port" (client "world" for callers without a
 * mesh identity), in the same form as allowedEdges for NetworkPolicies.
 */
export function meshEdges(objects: K8sObject[]): string[] {
  const policies = ofKind(objects, 'AuthorizationPolicy').filter(
    (p) => (p.spec.action ?? 'ALLOW') === 'ALLOW',
  );
  const pods = workloads(objects);
  const clients = [
    // A pod kept out of the mesh (Prometheus) calls without an identity, like the world.
    ...pods.map((w) => ({
      name: w.name,
      account: outsideMesh(w) ? undefined : (w.pod.serviceAccountName as string | undefined),
    })),
    { name: 'world', account: undefined },
  ];
  const edges: string[] = [];
  for (const server of pods) {
    const applying = policies.filter(
      (p) => p.spec.selector && selects(p.spec.selector, server.labels),
    );
    for (const port of new Set(containerPorts(server).values())) {
      for (const client of clients) {
        if (client.name === server.name) continue;
        const allowed = applying.some((p) =>
          (p.spec.rules ?? []).some(
            (r: AuthorizationRule) =>
              (!r.from || r.from.some((f) => sourceMatches(f.source, client.account))) &&
              (!r.to ||
                r.to.some((t) => !t.operation.ports || t.operation.ports.includes(String(port)))),
          ),
        );
        if (allowed) edges.push(`${client.name} → ${server.name}:${port}`);
      }
    }
  }
  return edges.sort();
}
