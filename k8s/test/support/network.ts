import { ofKind, selects, type K8sObject, type LabelSelector } from './objects';
import { containerPorts, workloads } from './workloads';

/** A party to a connection: a workload of the overlay, or something outside it. */
export interface Peer {
  name: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  /** Ports it listens on, by number and name (empty for clients only). */
  ports: Map<string | number, number>;
  inside: boolean;
}

/** The outside parties the policies may name: the cluster DNS, istiod, and the world. */
const outside: Peer[] = [
  {
    name: 'kube-dns',
    namespace: 'kube-system',
    namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
    labels: { 'k8s-app': 'kube-dns' },
    ports: new Map([[53, 53]]),
    inside: false,
  },
  {
    name: 'istiod',
    namespace: 'istio-system',
    namespaceLabels: { 'kubernetes.io/metadata.name': 'istio-system' },
    labels: { app: 'istiod' },
    ports: new Map([[15012, 15012]]),
    inside: false,
  },
  // Anything else: the internet, the nodes, other namespaces. 443 stands for "any port".
  {
    name: 'world',
    namespace: '',
    namespaceLabels: {},
    labels: {},
    ports: new Map([[443, 443]]),
    inside: false,
  },
];

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
}
interface Rule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

function peerMatches(p: PolicyPeer, peer: Peer, policyNamespace: string): boolean {
  if (p.ipBlock) return !peer.inside && peer.name === 'world';
  const namespaceOk = p.namespaceSelector
    ? selects(p.namespaceSelector, peer.namespaceLabels)
    : peer.namespace === policyNamespace;
  return namespaceOk && selects(p.podSelector, peer.labels);
}

function portMatches(
  ports: PolicyPort[] | undefined,
  target: Peer,
  port: number,
  protocol: string,
): boolean {
  if (!ports?.length) return true;
  return ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol &&
      (p.port === undefined || target.ports.get(p.port) === port),
  );
}

function allowed(
  policies: K8sObject[],
  self: Peer,
  other: Peer,
  direction: 'Ingress' | 'Egress',
  target: Peer,
  port: number,
  protocol: string,
): boolean {
  if (!self.inside) return true;
  const applying = policies.filter(
    (p) =>
      (p.spec.policyTypes ?? ['Ingress']).includes(direction) &&
      selects(p.spec.podSelector, self.labels),
  );
  if (!applying.length) return true;
  return applying.some((p) =>
    ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule: Rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      return (
        (!peers?.length ||
          peers.some((x) => peerMatches(x, other, p.metadata.namespace as string))) &&
        portMatches(rule.ports, target, port, protocol)
      );
    }),
  );
}

/**
 * Every connection the NetworkPolicies let through, as "client → server:port"
 * (UDP marked): a connection needs the client's egress and the server's
 * ingress to allow it, as in Kubernetes.
 */
export function allowedEdges(objects: K8sObject[]): string[] {
  const policies = ofKind(objects, 'NetworkPolicy');
  const pods: Peer[] = workloads(objects).map((w) => ({
    name: w.name,
    namespace: 'fig',
    namespaceLabels: { 'kubernetes.io/metadata.name': 'fig' },
    labels: w.labels,
    ports: containerPorts(w),
    inside: true,
  }));
  const edges: string[] = [];
  for (const client of [...pods, outside[2] as Peer]) {
    for (const server of [...pods, ...outside]) {
      if (client === server || (!client.inside && !server.inside)) continue;
      for (const port of new Set(server.ports.values())) {
        for (const protocol of server.name === 'kube-dns' ? ['UDP', 'TCP'] : ['TCP']) {
          const out = allowed(policies, client, server, 'Egress', server, port, protocol);
          const into = allowed(policies, server, client, 'Ingress', server, port, protocol);
          if (out && into)
            edges.push(
              `${client.name} → ${server.name}:${port}${protocol === 'UDP' ? '/udp' : ''}`,
            );
        }
      }
    }
  }
  return edges.sort();
}
