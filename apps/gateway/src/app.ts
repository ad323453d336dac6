import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GuestbookStore } from '@fig/guestbook';
import type { RedisClient } from '@fig/redis';
import type { Logger } from '@fig/logging';
import type { Registry } from 'prom-client';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { Mirror, readBody, upstreamCandidate, type ReadBody } from './mirror/mirror';
import { Authenticator } from './policies/auth';
import { InFlightLimit } from './policies/in-flight';
import { RateLimiter } from './policies/rate-limit';
import { Exchange, sendUnrouted, type GatewayContext } from './proxy/exchange';
import { ProxyCall, type ResponseTap } from './proxy/forward';
import { securityHeaders } from './proxy/headers';
import { RouteFileError, type LoadedRoutes } from './routes/load';
import { isCanonicalPath } from './routes/path';
import { RouteTable, type CandidateFactory, type CompiledRoute } from './routes/table';
import type { ModelTransportFactory } from './transcode/scorer';
import { Transcoder } from './transcode/transcoder';
import { UpstreamRegistry } from './upstreams/registry';

export interface GatewayDeps {
  routes: LoadedRoutes;
  logger: Logger;
  registry: Registry;
  /** The store behind transcoded routes (a GrpcGuestbook in production). */
  store?: GuestbookStore;
  /** How ModelService targets of the route table are reached; gRPC (grpcTransport) unless a spec says otherwise. */
  modelTransport?: ModelTransportFactory;
  /** Shared rate-limit counters; absent means each replica counts alone. */
  redis?: RedisClient;
  tls?: boolean;
  accessLog?: boolean;
  servedBy?: boolean;
  /** Trace headers the tracing SDK injects itself; see main.ts. */
  stripTrace?: ReadonlySet<string>;
  /** How long a replaced upstream keeps its pools for requests already routed to it. */
  retireAfterMs?: number;
  /** True once shutdown has begun: answers then ask keep-alive clients to reconnect elsewhere. */
  isDraining?: () => boolean;
  /** Requests one client address may have in progress at once (429 TOO_MANY_IN_FLIGHT beyond). */
  maxInFlightPerClient?: number;
}

const validRequestId = /^[\w.:-]{1,128}$/;

/**
 * The strangler facade: matches each request against the live route table,
 * applies its policies (access control, rate limit) and its action (proxy,
 * split, choose, transcode, with an optional mirror). Built without listening
 * so tests can serve it on port 0; `handle` is a plain node:http listener.
 */
export class Gateway {
  readonly metrics: GatewayMetrics;
  private table!: RouteTable;
  private auth!: Authenticator;
  private readonly upstreams: UpstreamRegistry;
  private readonly ctx: GatewayContext;
  private readonly mirror: Mirror;
  private readonly limiter: RateLimiter;
  private readonly inFlight: InFlightLimit;
  private readonly transcoder: Transcoder;
  lastRejected: { at: string; problems: readonly string[] } | undefined;

  constructor(private readonly deps: GatewayDeps) {
    const { logger } = deps;
    this.metrics = createGatewayMetrics(deps.registry);
    this.upstreams = new UpstreamRegistry(
      {
        logger,
        onBreakerChange: (upstream, state) => this.metrics.breakerState(upstream, state),
        onEjection: (upstream) => this.metrics.ejections.labels(upstream).inc(),
      },
      deps.retireAfterMs,
    );
    this.ctx = {
      logger,
      metrics: this.metrics,
      accessLog: deps.accessLog ?? true,
      servedBy: deps.servedBy ?? true,
      tls: deps.tls ?? false,
      stripTrace: deps.stripTrace ?? new Set(),
      defaultHeaders: securityHeaders(deps.tls ?? false),
    };
    this.mirror = new Mirror(this.metrics, logger);
    this.inFlight = new InFlightLimit(deps.maxInFlightPerClient ?? 32);
    this.limiter = new RateLimiter(deps.redis, logger, () => this.metrics.rateLimitFallback.inc());
    this.transcoder = new Transcoder(deps.store, logger, deps.modelTransport);
  }

  get routes(): RouteTable {
    return this.table;
  }

  get upstreamList() {
    return this.upstreams.all();
  }

  /** Makes a validated route file live; the old table serves until the new one is ready. */
  async apply(loaded: LoadedRoutes): Promise<void> {
    const rpcs = loaded.file.routes.flatMap((r) => [r.transcode?.rpc, r.mirror?.transcode?.rpc]);
    if (rpcs.some((rpc) => rpc && !this.transcoder.serves(rpc))) {
      throw new RouteFileError('(routes)', [
        'transcode needs a store client, and this gateway has none',
      ]);
    }
    const { upstreams, commit } = await this.upstreams.prepare(loaded.file);
    const makeCandidate: CandidateFactory = (spec, all) =>
      spec.upstream
        ? upstreamCandidate(all.get(spec.upstream)!)
        : this.transcoder.candidate(spec.transcode!, all);
    const table = new RouteTable(loaded, upstreams, makeCandidate);
    const auth = new Authenticator(loaded.file.auth);
    const previous = this.table?.version;
    // The swap is two assignments in one tick: a request sees the old table or the new one, never a mix.
    this.table = table;
    this.auth = auth;
    this.metrics.tableInfo.reset();
    this.metrics.tableInfo.set({ version: table.version }, 1);
    this.lastRejected = undefined;
    this.metrics.reloads.labels('loaded').inc();
    void commit();
    this.deps.logger.info(
      // `version` is the service's own (the logger's base field).
      { routes_version: table.version, previous, routes: table.routes.length },
      'route table live',
    );
  }

  reject(err: RouteFileError) {
    this.lastRejected = { at: new Date().toISOString(), problems: err.problems };
    this.metrics.reloads.labels('rejected').inc();
    this.deps.logger.error(
      { file: err.file, problems: err.problems },
      'route file rejected; keeping the live table',
    );
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse) => {
    if (this.deps.isDraining?.()) res.shouldKeepAlive = false;
    const incoming = req.headers['x-request-id'];
    const id =
      typeof incoming === 'string' && validRequestId.test(incoming) ? incoming : randomUUID();
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const table = this.table;
    if (!isCanonicalPath(path) || table.isCaseVariant(path))
      return sendUnrouted(req, res, id, this.ctx, 'INVALID_PATH');
    if (!this.inFlight.admit(req, res)) {
      // Refused requests are not counted, so a client at its limit never locks itself out.
      this.metrics.rateLimited.labels('in-flight').inc();
      return new Exchange(req, res, id, 'unmatched', this.ctx).fail(
        'TOO_MANY_IN_FLIGHT',
        undefined,
        {
          'retry-after': '1',
          connection: 'close',
        },
      );
    }
    const route = table.match(req.method ?? 'GET', path, req.headers);
    if (!route) return sendUnrouted(req, res, id, this.ctx);
    const ex = new Exchange(req, res, id, route.name, this.ctx);
    const { auth, rateLimit } = route.spec;
    if (!auth && !rateLimit) return this.act(ex, route, table);
    this.guard(ex, route).then(
      (pass) => pass && this.act(ex, route, table),
      (err: unknown) => {
        this.deps.logger.error({ err, req_id: id }, 'policy check failed');
        ex.fail('INTERNAL');
      },
    );
  };

  /** Access control, then the rate limit (counted per principal when known, else per address). */
  private async guard(ex: Exchange, route: CompiledRoute): Promise<boolean> {
    const { auth, rateLimit } = route.spec;
    let client = `ip:${ex.req.socket.remoteAddress}`;
    if (auth) {
      const outcome = await this.auth.check(ex.req, auth.accept, auth.scopes, auth);
      if (!outcome.ok) {
        this.metrics.authFailures.labels(route.name, outcome.code).inc();
        const challenge: Record<string, string> =
          outcome.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {};
        ex.fail(outcome.code, outcome.message, challenge);
        return false;
      }
      client = outcome.principal.id;
    }
    if (rateLimit) {
      const decision = await this.limiter.take(route.name, client, rateLimit);
      if (!decision.allowed) {
        this.metrics.rateLimited.labels(route.name).inc();
        ex.fail('RATE_LIMITED', undefined, { 'retry-after': String(decision.retryAfter) });
        return false;
      }
    }
    return true;
  }

  private act(ex: Exchange, route: CompiledRoute, table: RouteTable) {
    const { spec, candidate } = route;
    if (!spec.mirror || !candidate || !this.mirror.sampled(ex, spec.mirror, spec.sideEffectFree))
      return this.serve(ex, route, table);
    const { method } = ex.req;
    if (method === 'GET' || method === 'HEAD')
      return this.serve(ex, route, table, this.mirror.begin(ex, spec.mirror, candidate));
    // A side-effect-free POST: the primary and the candidate both need its
    // body, so it is read once (bounded) and handed to each.
    readBody(ex.req).then(
      (body) => {
        const tap = body.whole
          ? this.mirror.begin(ex, spec.mirror!, candidate, body.bytes)
          : this.mirror.skip(ex);
        this.serve(ex, route, table, tap, body);
      },
      // The client broke off its body: there is no one left to answer.
      () => ex.res.destroy(),
    );
  }

  private serve(
    ex: Exchange,
    route: CompiledRoute,
    table: RouteTable,
    tap?: ResponseTap,
    body?: ReadBody,
  ) {
    const { spec } = route;
    if (spec.transcode)
      return this.transcoder.handle(ex, spec.transcode, table.upstreams, tap, body?.bytes);
    const call = new ProxyCall(
      ex,
      route.select!(ex.req, ex.res),
      spec,
      this.upstreams.retryBudget,
      tap,
      body?.forward(),
    );
    ex.abortable = call;
    call.start();
  }

  async close() {
    await Promise.all([this.upstreams.close(), this.transcoder.close()]);
  }
}
