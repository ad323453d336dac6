import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, errorCatalogue, type ErrorCode } from '@fig/errors';
import { redactUrl, type Logger } from '@fig/logging';
import type { GatewayMetrics } from '../metrics';

/** What every request handler needs from the gateway, built once. */
export interface GatewayContext {
  logger: Logger;
  metrics: GatewayMetrics;
  accessLog: boolean;
  /** Add X-Fig-Served-By: <upstream>/<version>. */
  servedBy: boolean;
  /** X-Forwarded-Proto and HSTS follow from it. */
  tls: boolean;
  /** Trace headers the tracing SDK injects itself (empty when tracing is off, so they pass through). */
  stripTrace: ReadonlySet<string>;
  defaultHeaders: readonly [string, string][];
}

const exchangeKey = Symbol('exchange');
type ExchangeResponse = ServerResponse & { [exchangeKey]: Exchange };

/** One shared listener rather than a closure per request. */
function onResponseClose(this: ServerResponse) {
  (this as ExchangeResponse)[exchangeKey].closed();
}

/**
 * One request through the gateway: who it is, which route and upstream
 * answered, and the single place where its metrics and access log are
 * written, when the response closes (finished or cut short).
 */
export class Exchange {
  readonly started = performance.now();
  upstream = 'gateway';
  version = '-';
  /** Set by the action, to stop upstream work when the client goes away. */
  abortable: { onClientClose(): void } | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly id: string,
    readonly route: string,
    readonly ctx: GatewayContext,
  ) {
    (res as ExchangeResponse)[exchangeKey] = this;
    // 'close' fires once per response; `on` spares the wrapper `once` would allocate.
    res.on('close', onResponseClose);
  }

  /** The response closed, finished or cut short. */
  closed() {
    this.abortable?.onClientClose();
    this.record();
  }

  /** Answers with a coded error body, as every Fig service does. */
  fail(
    code: ErrorCode,
    message: string = errorCatalogue[code].message,
    headers?: Record<string, string>,
  ) {
    const { res } = this;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(errorBody(code, message));
    res.writeHead(errorCatalogue[code].status, {
      ...Object.fromEntries(this.ctx.defaultHeaders),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': this.id,
      ...headers,
    });
    res.end(body);
  }

  private record() {
    const { res, ctx } = this;
    // 499 (nginx's convention): the client went away before the answer was complete.
    const status = res.writableFinished ? res.statusCode : 499;
    const seconds = (performance.now() - this.started) / 1000;
    ctx.metrics.observe(this.route, this.upstream, this.version, status, seconds);
    if (ctx.accessLog) {
      ctx.logger.info(
        {
          req_id: this.id,
          method: this.req.method,
          url: redactUrl(this.req.url ?? ''),
          route: this.route,
          upstream: this.upstream,
          // `version` is the gateway's own (the logger's base field); this is the upstream's.
          upstream_version: this.version,
          status,
          ms: Math.round(seconds * 10_000) / 10,
        },
        'request',
      );
    }
  }
}

export function sendUnrouted(
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  ctx: GatewayContext,
  code: 'NOT_FOUND' | 'INVALID_PATH' = 'NOT_FOUND',
) {
  new Exchange(req, res, id, 'unmatched', ctx).fail(code);
}
