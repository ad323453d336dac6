import type { Check, OpsRoute } from '@fig/service';
import type { Gateway } from './app';
import type { RouteHistory } from './routes/history';

/** The live table as operators need to see it, with secrets left out. */
function routesView(gateway: Gateway, path: string) {
  const table = gateway.routes;
  const { auth, upstreams, retryBudget, routes } = table.file;
  return {
    file: path,
    version: table.version,
    loadedAt: table.loadedAt,
    lastRejected: gateway.lastRejected ?? null,
    auth: {
      apiKeys: auth.apiKeys.map((k) => ({ id: k.id, scopes: k.scopes })),
      jwt: auth.jwt
        ? { issuer: auth.jwt.issuer, audience: auth.jwt.audience, jwks: Boolean(auth.jwt.jwksUrl) }
        : null,
    },
    upstreams,
    retryBudget,
    routes,
  };
}

/** The gateway's own endpoints on the ops port. */
export function opsRoutes(
  gateway: Gateway,
  routeFile: string,
  history: RouteHistory,
): Record<string, OpsRoute> {
  return {
    '/gateway/routes': () => routesView(gateway, routeFile),
    // Newest first; `live` marks the table serving now (the newest, unless a later file was rejected).
    '/gateway/routes/history': () => ({
      limit: history.limit,
      tables: history.list().map((t) => ({ ...t, live: t.version === gateway.routes.version })),
    }),
    '/gateway/upstreams': () => ({ upstreams: gateway.upstreamList.map((u) => u.snapshot()) }),
  };
}

/**
 * Readiness names every upstream; one with no usable endpoint degrades the
 * gateway without failing it, since other routes still work (and failing
 * every replica at once would take the whole site out of the load balancer).
 */
export function upstreamsCheck(gateway: Gateway): Check {
  return {
    name: 'upstreams',
    critical: false,
    run: async () => {
      const now = Date.now();
      const usable = Object.fromEntries(
        gateway.upstreamList.map((u) => [
          u.name,
          u.endpoints.filter((e) => e.available(now)).length,
        ]),
      );
      const empty = Object.entries(usable)
        .filter(([, n]) => n === 0)
        .map(([name]) => name);
      if (empty.length) throw new Error(`no usable endpoint: ${empty.join(', ')}`);
      return usable;
    },
  };
}
