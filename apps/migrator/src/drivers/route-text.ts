import { createHash } from 'node:crypto';
import {
  gatewayRouteFor,
  readRoute,
  RouteNotFoundError,
  unfitBaseline,
  writeRoute,
  type RouteDefinition,
} from '@fig/migration';
import type { Driver, LiveRoute } from './driver';

/** The gateway's table version for a route file's text (its loader hashes the same way). */
export const tableVersion = (text: string) =>
  createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Where the route file's text lives: a file on disk or a key of a ConfigMap. */
export interface TextStore {
  get(): Promise<string>;
  /** Replaces the text; `edit` sees the latest text so that nobody's other change is lost. */
  update(edit: (text: string) => string): Promise<string>;
}

/** Drives a route of the Fig gateway's route table, wherever its text is kept. */
export function routeTextDriver(kind: 'file' | 'configmap', store: TextStore): Driver {
  return {
    kind,
    async read(route): Promise<LiveRoute> {
      const text = await store.get();
      return { definition: readRoute(text, route), version: tableVersion(text) };
    },
    async write(route, definition: RouteDefinition) {
      const text = await store.update((current) => {
        if (!readRoute(current, route)) throw new RouteNotFoundError(route);
        return writeRoute(current, route, definition);
      });
      return tableVersion(text);
    },
    definitionFor: gatewayRouteFor,
    unfit: unfitBaseline,
  };
}
