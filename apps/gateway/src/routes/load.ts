import { createHash } from 'node:crypto';
import { parseYamlWithLines } from '@fig/config';
import { routeFileSchema, type RouteFile } from './schema';

/** A route file that could not be used, with every problem and its line. */
export class RouteFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid route file:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'RouteFileError';
  }
}

export interface LoadedRoutes {
  file: RouteFile;
  /** Short content hash: tells which table is live, in /gateway/routes and metrics. */
  version: string;
  /**
   * The file as written, before ${VAR} substitution and defaults: what the
   * route history keeps, so that a rollback restores a route's own text and
   * never writes an expanded secret or URL back into the file.
   */
  source: RawRouteFile;
}

/** The unexpanded route file: upstream and route definitions as the author wrote them. */
export interface RawRouteFile {
  upstreams: Record<string, unknown>;
  routes: Record<string, unknown>;
}

function rawOf(js: unknown): RawRouteFile {
  const file = (js ?? {}) as { upstreams?: Record<string, unknown>; routes?: unknown[] };
  const routes = (file.routes ?? []).map((r) => [(r as { name?: string }).name, r] as const);
  return { upstreams: { ...file.upstreams }, routes: Object.fromEntries(routes) };
}

type Path = readonly PropertyKey[];

const reference = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces ${NAME} and ${NAME:-fallback} in every string, so one preset serves
 * both a laptop and a cluster. An unset variable without a fallback is an error
 * at its line rather than an empty URL discovered at the first request.
 */
function substitute(
  value: unknown,
  env: Record<string, string | undefined>,
  path: PropertyKey[],
  missing: [Path, string][],
): unknown {
  if (typeof value === 'string') {
    const replaced = value.replace(reference, (_, key: string, fallback?: string) => {
      const found = env[key];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      missing.push([[...path], key]);
      return '';
    });
    // A whole-value reference to a number or boolean becomes one (a port, a switch).
    if (replaced === value || !/^\$\{[^}]+\}$/.test(value)) return replaced;
    if (/^-?\d+$/.test(replaced)) return Number(replaced);
    return replaced === 'true' ? true : replaced === 'false' ? false : replaced;
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, [...path, i], missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, env, [...path, k], missing)]),
    );
  }
  return value;
}

/** Parses and validates route file text; throws RouteFileError naming each problem's line. */
export function parseRoutes(
  text: string,
  file: string,
  env: Record<string, string | undefined>,
): LoadedRoutes {
  const yaml = parseYamlWithLines(text);
  if (yaml.syntaxProblems.length) throw new RouteFileError(file, yaml.syntaxProblems);
  const missing: [Path, string][] = [];
  const js = yaml.value;
  const raw = substitute(js, env, [], missing);
  const problems = missing.map(
    ([path, key]) => `line ${yaml.lineOf(path)}: environment variable ${key} is not set`,
  );
  const result = routeFileSchema.safeParse(raw);
  // A value left empty by an unset variable is reported once, as that.
  const unset = new Set(missing.map(([path]) => path.join('.')));
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (!unset.has(issue.path.join('.'))) problems.push(yaml.describeIssue(issue));
    }
  }
  if (problems.length || !result.success) throw new RouteFileError(file, problems);
  return {
    file: result.data,
    version: createHash('sha256').update(text).digest('hex').slice(0, 12),
    source: rawOf(js),
  };
}
