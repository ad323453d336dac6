import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { podView, replicaSetView } from './cluster-view';

const owner = (kind: string, name: string, controller = true) => ({
  apiVersion: 'apps/v1',
  kind,
  name,
  uid: `${name}-uid`,
  controller,
});

describe('what the cluster panel shows of an object', () => {
  it('shows a pod by its version label, its owning ReplicaSet and whether it is Ready', () => {
    const pod: V1Pod = {
      metadata: {
        name: 'frontend-abc-1',
        labels: { version: 'v2' },
        ownerReferences: [owner('ReplicaSet', 'other', false), owner('ReplicaSet', 'frontend-abc')],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    };
    expect(podView(pod)).toEqual({
      name: 'frontend-abc-1',
      version: 'v2',
      phase: 'Running',
      ready: false,
      owner: 'frontend-abc',
      terminating: false,
    });
  });

  it('marks a pod being deleted as terminating, and one without a version as "?"', () => {
    const pod: V1Pod = { metadata: { name: 'p', deletionTimestamp: new Date() } };
    expect(podView(pod)).toMatchObject({
      version: '?',
      terminating: true,
      ready: false,
      phase: 'Unknown',
    });
  });

  it('shows a ReplicaSet as ready/desired, taking the version from its pod template when it has no label', () => {
    const rs: V1ReplicaSet = {
      metadata: { name: 'frontend-abc', ownerReferences: [owner('Deployment', 'frontend')] },
      spec: {
        replicas: 3,
        selector: {},
        template: { metadata: { labels: { version: 'v1' } } },
      },
      status: { replicas: 3, readyReplicas: 1 },
    };
    expect(replicaSetView(rs)).toEqual({
      name: 'frontend-abc',
      version: 'v1',
      owner: 'frontend',
      desired: 3,
      ready: 1,
    });
  });
});
