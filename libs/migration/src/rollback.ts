import { isDeepStrictEqual } from 'node:util';
import { readRoute, writeRoute } from './route-file';
import type { RouteDefinition } from './steps';

/** A table from the gateway's /gateway/routes/history (newest first). */
export interface HistoryTable {
  version: string;
  loadedAt: string;
  live?: boolean;
  definitions: { upstreams: Record<string, unknown>; routes: Record<string, RouteDefinition> };
}

export class NoPreviousDefinitionError extends Error {
  readonly code = 'NO_PREVIOUS_DEFINITION';
}

/**
 * The route file with one route put back as it was before its last change
 * (removed, if it did not exist then), every other route untouched. The
 * previous definition is the newest one in the history that differs from
 * what the file has now.
 */
export function rollbackRoute(
  text: string,
  route: string,
  tables: readonly HistoryTable[],
): { text: string; restored: HistoryTable } {
  const now = readRoute(text, route);
  const previous = tables.find((t) => !isDeepStrictEqual(t.definitions.routes[route], now));
  if (!previous)
    throw new NoPreviousDefinitionError(
      `the gateway's history (${tables.length} tables) has no other definition of route ${route}`,
    );
  const definition = previous.definitions.routes[route];
  return {
    text: writeRoute(text, route, definition, previous.definitions.upstreams),
    restored: previous,
  };
}
