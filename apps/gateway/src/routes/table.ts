import type { IncomingHttpHeaders } from 'node:http';
import type { Candidate } from '../mirror/mirror';
import type { Upstream } from '../upstreams/upstream';
import { cookieValue } from './cookies';
import type { LoadedRoutes } from './load';
import type { RouteFile, RouteSpec } from './schema';
import { selectorFor, type Selector } from './select';

export interface CompiledRoute {
  name: string;
  spec: RouteSpec;
  /** Chooses the upstream of a proxied request (proxy, split, choose); absent for transcode. */
  select?: Selector;
  /** The mirror's candidate, when the route has a parallel run. */
  candidate?: Candidate;
  matches(method: string, path: string, headers: IncomingHttpHeaders): boolean;
}

function keyMatches(actual: string | undefined, wanted: { value?: string | undefined }): boolean {
  return actual !== undefined && (wanted.value === undefined || actual === wanted.value);
}

export type CandidateFactory = (
  spec: NonNullable<RouteSpec['mirror']>,
  upstreams: Map<string, Upstream>,
) => Candidate;

function compileRoute(
  spec: RouteSpec,
  upstreams: Map<string, Upstream>,
  makeCandidate: CandidateFactory,
): CompiledRoute {
  const { methods, path, prefix, header, cookie } = spec.match;
  const allowed = methods ? new Set<string>(methods) : undefined;
  const headerName = header?.name.toLowerCase();
  const matches = (method: string, requestPath: string, headers: IncomingHttpHeaders) => {
    if (allowed && !allowed.has(method)) return false;
    if (path !== undefined ? requestPath !== path : !requestPath.startsWith(prefix!)) return false;
    if (header && !keyMatches(headers[headerName!] as string | undefined, header)) return false;
    if (cookie && !keyMatches(cookieValue(headers.cookie, cookie.name), cookie)) return false;
    return true;
  };
  const candidate = spec.mirror ? makeCandidate(spec.mirror, upstreams) : undefined;
  const select = selectorFor(spec, upstreams);
  return {
    name: spec.name,
    spec,
    matches,
    ...(select ? { select } : {}),
    ...(candidate ? { candidate } : {}),
  };
}

/**
 * A compiled, immutable route table. Routes are tried in file order and the
 * first match wins, so a reader of the file can predict every decision.
 */
export class RouteTable {
  readonly routes: CompiledRoute[];
  readonly loadedAt = new Date().toISOString();
  /** The table's paths and prefixes (but `/`), to recognise case variants of them. */
  private readonly named: { path: string; exact: boolean }[];
  private readonly upperCaseNamed: boolean;

  constructor(
    readonly loaded: LoadedRoutes,
    readonly upstreams: Map<string, Upstream>,
    makeCandidate: CandidateFactory,
  ) {
    this.routes = loaded.file.routes.map((r) => compileRoute(r, upstreams, makeCandidate));
    this.named = loaded.file.routes
      .map(({ match }) => ({ path: match.path ?? match.prefix!, exact: match.path !== undefined }))
      .filter((n) => n.path !== '/');
    this.upperCaseNamed = this.named.some((n) => n.path !== n.path.toLowerCase());
  }

  /**
   * Whether `path` names one of the table's routes in other letter case
   * (`/API/Entries`): refused, so it can never fall through to a catch-all
   * and reach an upstream that reads paths case-insensitively.
   */
  isCaseVariant(path: string): boolean {
    const lower = path.toLowerCase();
    if (lower === path && !this.upperCaseNamed) return false;
    return this.named.some(({ path: named, exact }) =>
      exact
        ? path !== named && lower === named.toLowerCase()
        : !path.startsWith(named) && lower.startsWith(named.toLowerCase()),
    );
  }

  get version(): string {
    return this.loaded.version;
  }

  get file(): RouteFile {
    return this.loaded.file;
  }

  match(method: string, path: string, headers: IncomingHttpHeaders): CompiledRoute | undefined {
    for (const route of this.routes) if (route.matches(method, path, headers)) return route;
    return undefined;
  }
}
