import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import type { TextStore } from './route-text';

/** In a pod: its service account; elsewhere (tests, a laptop): KUBECONFIG or ~/.kube/config. */
export function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

const conflict = (err: unknown) => err instanceof ApiException && err.code === 409;

/**
 * Read, edit, replace with the resourceVersion read: the API server refuses
 * the write (409) if anyone changed the object in between, and the edit is
 * done again on the new text. A blind patch could undo a person's change.
 */
async function withRetry<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!conflict(err) || i >= tries) throw err;
    }
  }
}

/** One key of a ConfigMap, e.g. the gateway's mounted routes.yaml. */
export function configMapStore(
  api: CoreV1Api,
  { namespace, name, key }: { namespace: string; name: string; key: string },
): TextStore {
  const read = () => api.readNamespacedConfigMap({ name, namespace });
  const textOf = (map: V1ConfigMap) => {
    const text = map.data?.[key];
    if (text === undefined) throw new Error(`ConfigMap ${namespace}/${name} has no key ${key}`);
    return text;
  };
  return {
    get: async () => textOf(await read()),
    update: (edit) =>
      withRetry(async () => {
        const map = await read();
        const text = edit(textOf(map));
        await api.replaceNamespacedConfigMap({
          name,
          namespace,
          body: { ...map, data: { ...map.data, [key]: text } },
        });
        return text;
      }),
  };
}

export interface VirtualServiceRef {
  namespace: string;
  name: string;
}

type VirtualService = { spec?: { http?: Record<string, unknown>[] } } & Record<string, unknown>;

const vs = (ref: VirtualServiceRef) => ({
  group: 'networking.istio.io',
  version: 'v1',
  plural: 'virtualservices',
  namespace: ref.namespace,
  name: ref.name,
});

/** The http routes of a VirtualService, read and replaced as the ConfigMap's text is. */
export function virtualServiceRoutes(api: CustomObjectsApi, ref: VirtualServiceRef) {
  const read = async () => (await api.getNamespacedCustomObject(vs(ref))) as VirtualService;
  return {
    async get(route: string) {
      return (await read()).spec?.http?.find((h) => h['name'] === route);
    },
    async set(route: string, definition: Record<string, unknown>) {
      await withRetry(async () => {
        const object = await read();
        const http = object.spec?.http ?? [];
        const i = http.findIndex((h) => h['name'] === route);
        if (i < 0) throw new Error(`VirtualService ${ref.name} has no http route named ${route}`);
        http[i] = definition;
        await api.replaceNamespacedCustomObject({ ...vs(ref), body: object });
      });
    },
  };
}

export { CoreV1Api, CustomObjectsApi };
