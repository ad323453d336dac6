import { isDeepStrictEqual } from 'node:util';
import type { LoadedRoutes, RawRouteFile } from './load';

/** One route table that was live, as the history shows it. */
export interface ServedTable {
  /** The content hash of the file (the same as /gateway/routes and gateway_route_table_info). */
  version: string;
  /** When this gateway made it live. */
  loadedAt: string;
  /** What made it live: the first load at start, or a reload of the watched file. */
  source: { file: string; trigger: 'startup' | 'reload' };
  /** Routes added, removed or changed compared with the table before it. */
  changed: string[];
  /** The file's own text for each upstream and route (unexpanded). */
  definitions: RawRouteFile;
}

function changedRoutes(before: RawRouteFile | undefined, after: RawRouteFile): string[] {
  if (!before) return Object.keys(after.routes);
  const names = new Set([...Object.keys(before.routes), ...Object.keys(after.routes)]);
  return [...names].filter((n) => !isDeepStrictEqual(before.routes[n], after.routes[n]));
}

/**
 * The last route tables this gateway served, newest first. It is what makes a
 * per-route rollback possible without a version-control system next to the
 * ConfigMap: the previous definition of any one route is here, exactly as it
 * was written. Kept in memory: a restarted gateway starts a new history,
 * which is fine for undoing the last few moves, the job it has.
 */
export class RouteHistory {
  private readonly tables: ServedTable[] = [];

  constructor(
    private readonly file: string,
    readonly limit = 10,
  ) {}

  record(loaded: LoadedRoutes, trigger: ServedTable['source']['trigger']) {
    const previous = this.tables[0];
    // A table identical to the live one (a touch of the file) is no new step of the history.
    if (previous?.version === loaded.version) return;
    this.tables.unshift({
      version: loaded.version,
      loadedAt: new Date().toISOString(),
      source: { file: this.file, trigger },
      changed: changedRoutes(previous?.definitions, loaded.source),
      definitions: loaded.source,
    });
    this.tables.length = Math.min(this.tables.length, this.limit);
  }

  list(): readonly ServedTable[] {
    return this.tables;
  }
}
