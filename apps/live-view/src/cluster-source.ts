import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import type { Logger } from '@fig/logging';
import { byName, deploymentView, podView, replicaSetView } from './cluster-view';
import type { ClusterView } from './view';

export interface ClusterSource {
  /** The informers' caches as the page shows them; never waits on the API server. */
  view(): ClusterView;
  /** The last watch error since the last successful list, for the problems line. */
  problem(): string | undefined;
  /** Resolves once every informer has made its first attempt to list (errors go to problem()). */
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Deployments, ReplicaSets and Pods of one namespace, kept current by
 * informers (list once, then watch): the API server pushes every change, so
 * a rolling update shows pod by pod at no polling cost, and the page's
 * per-second snapshot only reads the caches. Needs a Role allowing get, list
 * and watch on those three (k8s/base/live-view/rbac.yaml) and nothing more.
 */
export function watchCluster({
  namespace,
  logger,
  kubeConfig = defaultKubeConfig(),
}: {
  namespace: string;
  logger: Logger;
  kubeConfig?: KubeConfig;
}): ClusterSource {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  let lastError: string | undefined;
  let stopped = false;

  const informers = {
    deployments: makeInformer<V1Deployment>(
      kubeConfig,
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      () => apps.listNamespacedDeployment({ namespace }),
    ),
    replicaSets: makeInformer<V1ReplicaSet>(
      kubeConfig,
      `/apis/apps/v1/namespaces/${namespace}/replicasets`,
      () => apps.listNamespacedReplicaSet({ namespace }),
    ),
    pods: makeInformer<V1Pod>(kubeConfig, `/api/v1/namespaces/${namespace}/pods`, () =>
      core.listNamespacedPod({ namespace }),
    ),
  };
  for (const [kind, informer] of Object.entries(informers)) {
    informer.on('connect', () => (lastError = undefined));
    informer.on('error', (err: unknown) => {
      lastError = `${kind}: ${err instanceof Error ? err.message : String(err)}`;
      logger.warn({ err, kind }, 'cluster watch failed; retrying');
      // The informer stops on an error; it is restarted after a pause, as client-go does.
      setTimeout(() => {
        if (!stopped) void informer.start();
      }, 2_000).unref();
    });
  }

  const started = Promise.all(Object.values(informers).map((i) => i.start())).then(() => undefined);
  return {
    started,
    problem: () => lastError,
    view: () => ({
      namespace,
      deployments: informers.deployments.list(namespace).map(deploymentView).sort(byName),
      replicaSets: informers.replicaSets.list(namespace).map(replicaSetView).sort(byName),
      pods: informers.pods.list(namespace).map(podView).sort(byName),
    }),
    stop: async () => {
      stopped = true;
      await Promise.all(Object.values(informers).map((i) => i.stop()));
    },
  };
}

/** In a pod: its ServiceAccount token; elsewhere: KUBECONFIG or ~/.kube/config. */
function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}
