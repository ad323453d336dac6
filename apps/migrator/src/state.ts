import { readFile, rename, writeFile } from 'node:fs/promises';
import { ApiException, type CoreV1Api } from '@kubernetes/client-node';
import type { RouteDefinition } from '@fig/migration';

export type MigrationState = 'pending' | 'running' | 'paused' | 'failed' | 'succeeded' | 'aborted';

export interface Transition {
  at: string;
  from: string;
  to: string;
  /** The migration's state after the change. */
  state: MigrationState;
  reason: string;
}

/** What survives a restart, per route. */
export interface Progress {
  state: MigrationState;
  stepIndex: number;
  /** The last step whose gates held (-1: the route as it was). */
  lastGood: number;
  /** The route before the migration began: where an abort returns. */
  baseline?: RouteDefinition;
  /** What the controller last wrote: anything else found there is a person's edit. */
  written?: RouteDefinition;
  reason: string;
  history: Transition[];
}

export interface ProgressStore {
  load(): Promise<Record<string, Progress>>;
  save(all: Record<string, Progress>): Promise<void>;
}

/** A JSON file, replaced atomically (temporary file and rename). */
export function fileProgress(path: string): ProgressStore {
  return {
    async load() {
      try {
        return (JSON.parse(await readFile(path, 'utf8')) as { routes: Record<string, Progress> })
          .routes;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw err;
      }
    },
    async save(routes) {
      await writeFile(`${path}.tmp`, JSON.stringify({ version: 1, routes }, null, 2));
      await rename(`${path}.tmp`, path);
    },
  };
}

/**
 * A ConfigMap in the migrator's namespace (shipped with the manifests, so
 * the Role needs only get and update on that one name, not create).
 */
export function configMapProgress(
  api: CoreV1Api,
  { namespace, name }: { namespace: string; name: string },
): ProgressStore {
  const key = 'progress.json';
  return {
    async load() {
      try {
        const map = await api.readNamespacedConfigMap({ name, namespace });
        const text = map.data?.[key];
        return text ? (JSON.parse(text) as { routes: Record<string, Progress> }).routes : {};
      } catch (err) {
        if (err instanceof ApiException && err.code === 404)
          throw new Error(
            `ConfigMap ${namespace}/${name} for the migrator's progress does not exist`,
          );
        throw err;
      }
    },
    async save(routes) {
      const map = await api.readNamespacedConfigMap({ name, namespace });
      await api.replaceNamespacedConfigMap({
        name,
        namespace,
        body: { ...map, data: { ...map.data, [key]: JSON.stringify({ version: 1, routes }) } },
      });
    },
  };
}
