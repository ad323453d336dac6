import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '@fig/errors';
import type { RetryBudget } from '../upstreams/retry-budget';
import type { Endpoint } from '../upstreams/endpoint';
import type { Upstream } from '../upstreams/upstream';
import type { Exchange } from './exchange';
import { toClientHeaders, upstreamRequestHeaders } from './headers';

/** Sees the primary answer as it streams past (the mirror compares it with the candidate's). */
export interface ResponseTap {
  start(status: number, headers: IncomingHttpHeaders): void;
  data(chunk: Buffer): void;
  end(): void;
  error(): void;
}

/** The route's settings a proxied request needs (a RouteSpec satisfies it; nothing is copied per request). */
export interface ForwardPolicy {
  timeoutMs: number;
  retry: { attempts: number };
}

const idempotent = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Bodies are streamed, never buffered, so only a request without one can be replayed. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

class RetryableStatus extends Error {}

/** The request body stopped before its end because of the client (or the server's limits on it). */
function clientBodyFailed(req: IncomingMessage): boolean {
  return !req.complete && (req.destroyed || req.readableAborted || req.errored !== null);
}

/** Raised by the gateway's own timer; the code makes it a timeout like undici's. */
class HeadersTimeout extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT';
}

/**
 * undici's header timeout runs on a timer wheel that ticks every half second,
 * cheap but up to a second late. Below this, the route's timeout gets a
 * precise timer of its own.
 */
const preciseBelowMs = 5_000;

function onPreciseTimeout(call: ProxyCall) {
  call.timeOut();
}

function onQueueTimeout(call: ProxyCall) {
  call.queueTimeOut();
}

function errorKind(err: Error): { kind: string; code: ErrorCode; message?: string } {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return { kind: 'timeout', code: 'UPSTREAM_TIMEOUT' };
  if (err instanceof RetryableStatus) return { kind: 'status', code: 'BAD_GATEWAY' };
  // Refused, reset or closed: there was no answer to pass on.
  return { kind: 'connect', code: 'BAD_GATEWAY', message: 'The upstream connection failed' };
}

/**
 * One proxied request, as an undici dispatch handler: the response is written
 * to the client chunk by chunk as it arrives, with back-pressure both ways
 * (the request body is piped by undici, the response pauses the upstream when
 * the client is slow). A failure before anything reached the client is retried
 * on another endpoint when the request is idempotent, bodiless and the retry
 * budget allows; the breaker and outlier detector hear about every attempt.
 */
export class ProxyCall implements Dispatcher.DispatchHandler {
  private endpoint?: Endpoint;
  private controller?: Dispatcher.DispatchController;
  private attempt = 0;
  private settled = true;
  private readonly headers: string[];
  private readonly replayable: boolean;
  private clientGone = false;
  /** A retry already taken from the budget when a 502-504 arrived. */
  private retryGranted = false;
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  /** Runs while the request waits for a pooled connection (undici calls onRequestStart when it gets one). */
  private queueTimer: NodeJS.Timeout | undefined;
  /** Answered 503 while still queued: whatever undici reports later is not news. */
  private abandoned = false;

  constructor(
    private readonly ex: Exchange,
    private readonly upstream: Upstream,
    private readonly policy: ForwardPolicy,
    private readonly budget: RetryBudget,
    private readonly tap: ResponseTap | undefined,
    /** The body when already read (a mirrored side-effect-free POST); streamed from the client otherwise. */
    private readonly body?: Buffer | Readable,
  ) {
    const { req, ctx } = ex;
    this.headers = upstreamRequestHeaders(req, ex.id, ctx.tls ? 'https' : 'http', ctx.stripTrace);
    this.replayable = idempotent.has(req.method!) && !hasBody(req.headers);
    ex.upstream = upstream.name;
    ex.version = upstream.label;
    budget.onRequest();
  }

  /** Called when the client's response closes, finished or not. */
  onClientClose() {
    if (this.ex.res.writableFinished) return;
    this.clientGone = true;
    this.controller?.abort(new Error('client closed the connection'));
  }

  /** `tried` failed this request; `again` lets the retry go back to it when it is the only one. */
  start(tried?: Endpoint, again = false) {
    const { ex, upstream } = this;
    if (!upstream.breaker.allow()) {
      ex.ctx.metrics.upstreamError(ex.route, upstream.name, 'breaker_open');
      return this.give('UPSTREAM_UNAVAILABLE', `The circuit to ${upstream.name} is open`);
    }
    const endpoint = upstream.pick(tried) ?? (again ? tried : undefined);
    if (!endpoint) {
      upstream.breaker.release();
      ex.ctx.metrics.upstreamError(ex.route, upstream.name, 'no_endpoint');
      return this.give('UPSTREAM_UNAVAILABLE', `No endpoint of ${upstream.name} is available`);
    }
    this.endpoint = endpoint;
    this.settled = false;
    endpoint.pending++;
    const { req } = ex;
    const { timeoutMs } = this.policy;
    if (timeoutMs < preciseBelowMs) this.timer = setTimeout(onPreciseTimeout, timeoutMs, this);
    // Only a request that has to queue for a pooled connection can wait on one;
    // the rest (nearly all) skip the timer.
    if (endpoint.pending > endpoint.connections)
      this.queueTimer = setTimeout(onQueueTimeout, upstream.spec.queueTimeoutMs, this);
    endpoint.pool.dispatch(
      {
        path: req.url!,
        method: req.method!,
        headers: this.headers,
        body: this.body ?? (this.replayable ? null : req),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController) {
    clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
    this.controller = controller;
    if (this.abandoned) controller.abort(new Error('answered while queued'));
    else if (this.clientGone) controller.abort(new Error('client closed the connection'));
    else if (this.timedOut) controller.abort(new HeadersTimeout('headers timeout'));
  }

  /**
   * No pooled connection came free in time (slow requests hold them all): the
   * client gets a coded 503 now rather than hanging, and the queued dispatch
   * is dropped when its turn comes. Not the upstream's fault, so no verdict.
   */
  queueTimeOut() {
    this.queueTimer = undefined;
    const { ex, upstream } = this;
    this.abandoned = true;
    this.settle(undefined);
    ex.ctx.metrics.upstreamError(ex.route, upstream.name, 'pool_full');
    this.give(
      'UPSTREAM_UNAVAILABLE',
      `No connection to ${upstream.name} came free within ${upstream.spec.queueTimeoutMs} ms`,
    );
  }

  /** The precise timer fired before the upstream's headers arrived. */
  timeOut() {
    this.timer = undefined;
    this.timedOut = true;
    this.controller?.abort(new HeadersTimeout(`no answer within ${this.policy.timeoutMs} ms`));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ) {
    clearTimeout(this.timer);
    if (status >= 502 && status <= 504 && this.canRetry()) {
      this.retryGranted = true;
      controller.abort(new RetryableStatus(`upstream answered ${status}`));
      return;
    }
    this.settle(status < 500);
    const { ex, upstream } = this;
    // A cookie the gateway set (a new sticky id) must survive the upstream's own.
    const ours = ex.res.getHeader('set-cookie');
    const out = toClientHeaders(
      headers,
      ex.ctx.defaultHeaders,
      ex.id,
      ex.ctx.servedBy ? upstream.servedBy : undefined,
      ours === undefined ? undefined : [ours].flat().map(String),
    );
    ex.res.writeHead(status, out);
    this.tap?.start(status, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer) {
    this.tap?.data(chunk);
    if (!this.ex.res.write(chunk)) {
      controller.pause();
      this.ex.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd() {
    this.ex.res.end();
    this.tap?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error) {
    const { ex, upstream } = this;
    clearTimeout(this.queueTimer);
    if (this.abandoned) return;
    // A body the client cut short, malformed or too slow (the server then
    // destroys the request) fails the upstream call too: that is the client's
    // doing, and must not count against the upstream's breaker or endpoint.
    if (this.clientGone || clientBodyFailed(ex.req)) {
      this.settle(undefined);
      this.tap?.error();
      return;
    }
    const { kind, code, message } = errorKind(err);
    if (!this.settled) {
      this.settle(false);
      ex.ctx.metrics.upstreamError(ex.route, upstream.name, kind);
      // A timeout is not retried: the next endpoint would get the same slow work,
      // and the client would wait a multiple of the route's timeout.
      const again = kind === 'connect' && !ex.res.headersSent && this.canRetry(true);
      const retry = this.retryGranted || again;
      this.retryGranted = false;
      if (retry) {
        ex.ctx.metrics.retries.labels(ex.route, upstream.name).inc();
        this.attempt++;
        return this.start(this.endpoint, again);
      }
    }
    this.tap?.error();
    if (ex.res.headersSent) {
      // Mid-body failure: cutting the connection is the only honest signal left.
      ex.res.destroy(err);
      return;
    }
    ex.ctx.logger.warn(
      { err, req_id: ex.id, route: ex.route, upstream: upstream.name },
      'upstream request failed',
    );
    ex.fail(code, message);
  }

  /**
   * A retry goes to another endpoint when there is one. With none, an
   * upstream's own answer (a coded 503, say) is passed on rather than replaced;
   * but a connection that failed before any answer (`sameEndpoint`) is tried
   * once more there, on a fresh connection, as Envoy retries a reset: the
   * failed one was a kept-alive socket the upstream closed as the request went
   * out, or a pod leaving behind a Service address, which sends a new
   * connection to a ready pod (ADR 0216).
   */
  private canRetry(sameEndpoint = false): boolean {
    return (
      this.replayable &&
      this.attempt < this.policy.retry.attempts &&
      (this.upstream.hasAlternative(this.endpoint) || (sameEndpoint && this.attempt === 0)) &&
      this.budget.tryRetry()
    );
  }

  /** Reports the attempt's outcome once: pending count, outlier detector, breaker. */
  private settle(success: boolean | undefined) {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.timedOut = false;
    const endpoint = this.endpoint!;
    endpoint.pending--;
    const { breaker } = this.upstream;
    if (success === true) {
      this.upstream.reportSuccess(endpoint);
      breaker.recordSuccess();
    } else if (success === false) {
      this.upstream.reportFailure(endpoint);
      breaker.recordFailure();
    } else breaker.release();
  }

  private give(code: ErrorCode, message: string) {
    this.tap?.error();
    this.ex.fail(code, message);
  }
}
