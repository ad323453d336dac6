import { isMap, isSeq, parseDocument } from 'yaml';
import type { RouteDefinition } from './steps';

/** A route the file does not have (stable code for callers and the control API). */
export class RouteNotFoundError extends Error {
  readonly code = 'ROUTE_NOT_FOUND';

  constructor(readonly route: string) {
    super(`the route file has no route named "${route}"`);
  }
}

function parse(text: string) {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`route file is not YAML: ${doc.errors[0]!.message}`);
  const routes = doc.get('routes', true);
  if (!isSeq(routes)) throw new Error('route file has no routes list');
  return { doc, routes };
}

function indexOf(routes: ReturnType<typeof parse>['routes'], name: string): number {
  return routes.items.findIndex((item) => isMap(item) && item.get('name') === name);
}

/** One route's definition as written in the file (unexpanded), or undefined when absent. */
export function readRoute(text: string, name: string): RouteDefinition | undefined {
  const { routes } = parse(text);
  const i = indexOf(routes, name);
  return i < 0 ? undefined : (routes.items[i] as { toJSON(): RouteDefinition }).toJSON();
}

/**
 * The file with one route replaced (or removed, given undefined), everything
 * else as it was, comments and order included: people edit this file too,
 * and a controller must not reformat their work. Upstreams the new definition
 * needs and the file lacks are added from `upstreams`.
 */
export function writeRoute(
  text: string,
  name: string,
  definition: RouteDefinition | undefined,
  upstreams: Record<string, unknown> = {},
): string {
  const { doc, routes } = parse(text);
  const i = indexOf(routes, name);
  if (definition === undefined) {
    if (i >= 0) routes.items.splice(i, 1);
  } else {
    const node = doc.createNode(definition);
    if (i >= 0) routes.items[i] = node;
    else routes.items.push(node);
  }
  const named = JSON.stringify(definition ?? {});
  for (const [upstream, spec] of Object.entries(upstreams)) {
    if (named.includes(`"${upstream}"`) && !doc.hasIn(['upstreams', upstream]))
      doc.setIn(['upstreams', upstream], spec);
  }
  return doc.toString({ lineWidth: 0 });
}
