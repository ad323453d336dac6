import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { answerClientErrors, boundedServerOptions } from '@fig/errors';
import type { Registry } from 'prom-client';
import { runChecks, type Check } from './checks';
import { listen } from './main';

export type OpsRoute = (req: IncomingMessage) => Promise<unknown> | unknown;

export interface OpsServerOptions {
  checks: readonly Check[];
  registry: Registry;
  /** True once shutdown has begun: readiness fails, liveness does not. */
  isDraining: () => boolean;
  /** Extra JSON endpoints, e.g. the gateway's /gateway/routes. */
  routes?: Record<string, OpsRoute>;
  checkTimeoutMs?: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(payload);
}

/**
 * The ops port: /livez, /readyz and /metrics on a port of their own so that
 * nothing public can reach them. Plain node:http keeps it independent of the
 * app's framework and cheap enough to probe every second.
 */
export function createOpsServer(options: OpsServerOptions) {
  const { checks, registry, isDraining, routes = {}, checkTimeoutMs } = options;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' } });
    }
    switch (path) {
      case '/livez':
        return sendJson(res, 200, { status: 'alive' });
      case '/readyz': {
        const report = await runChecks(checks, {
          draining: isDraining(),
          timeoutMs: checkTimeoutMs,
        });
        const ok = report.status === 'ready' || report.status === 'degraded';
        return sendJson(res, ok ? 200 : 503, report);
      }
      case '/metrics': {
        const body = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        return res.end(body);
      }
    }
    const route = path && routes[path];
    if (route) return sendJson(res, 200, await route(req));
    return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'No such route' } });
  }

  const server: Server = answerClientErrors(
    createServer(boundedServerOptions(), (req, res) => {
      handle(req, res).catch((err: unknown) => {
        sendJson(res, 500, { error: { code: 'INTERNAL', message: String(err) } });
      });
    }),
  );

  return {
    server,
    listen: (port: number, host?: string) => listen(server, port, host),
  };
}
