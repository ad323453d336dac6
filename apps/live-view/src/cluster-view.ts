import type { KubernetesObject, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { DeploymentView, PodView, ReplicaSetView } from './view';

// Types only from the client: these mappings are plain functions of the API's
// objects, specified without a cluster (cluster-view.spec.ts).

type Labelled = KubernetesObject & {
  spec?: { template?: { metadata?: { labels?: Record<string, string> } } };
};

/** The `version` label of the object, or of the pods it makes (a Deployment's may sit only there). */
const versionOf = (o: Labelled) =>
  o.metadata?.labels?.version ?? o.spec?.template?.metadata?.labels?.version ?? '?';

const ownerOf = (o: KubernetesObject) =>
  o.metadata?.ownerReferences?.find((r) => r.controller)?.name ?? '';

export const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
export function deploymentView(d: V1Deployment): DeploymentView {
  return {
    name: d.metadata?.name ?? '',
    version: versionOf(d),
    desired: d.spec?.replicas ?? 1,
    ready: d.status?.readyReplicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
  };
}

export function replicaSetView(rs: V1ReplicaSet): ReplicaSetView {
  return {
    name: rs.metadata?.name ?? '',
    version: versionOf(rs),
    owner: ownerOf(rs),
    desired: rs.spec?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
  };
}

export function podView(p: V1Pod): PodView {
  return {
    name: p.metadata?.name ?? '',
    version: p.metadata?.labels?.version ?? '?',
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    owner: ownerOf(p),
    terminating: Boolean(p.metadata?.deletionTimestamp),
  };
}
