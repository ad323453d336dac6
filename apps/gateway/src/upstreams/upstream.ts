import { lookup } from 'node:dns/promises';
import { CircuitBreaker, type BreakerState } from '@fig/breaker';
import type { Logger } from '@fig/logging';
import type { UpstreamSpec } from '../routes/schema';
import { Endpoint } from './endpoint';

export interface UpstreamHooks {
  logger: Logger;
  onBreakerChange?: (upstream: string, state: BreakerState) => void;
  onEjection?: (upstream: string, endpoint: string) => void;
}

/**
 * A named upstream: its endpoints (fixed URLs or a DNS name re-resolved
 * periodically), how to choose among them, and a circuit breaker guarding it.
 */
export class Upstream {
  endpoints: Endpoint[] = [];
  readonly breaker: CircuitBreaker;
  readonly label: string;
  /** The X-Fig-Served-By value, built once. */
  readonly servedBy: string;
  private next = 0;
  private dnsTimer?: NodeJS.Timeout;
  private started = false;

  constructor(
    readonly name: string,
    readonly spec: UpstreamSpec,
    private readonly hooks: UpstreamHooks,
  ) {
    this.label = spec.version ?? 'unversioned';
    this.servedBy = `${name}/${this.label}`;
    this.breaker = new CircuitBreaker({
      ...spec.breaker,
      onStateChange: (state) => {
        hooks.logger.warn({ upstream: name, state }, 'circuit breaker changed state');
        hooks.onBreakerChange?.(name, state);
      },
    });
    this.hooks.onBreakerChange?.(name, 'closed');
    for (const url of spec.endpoints ?? []) this.endpoints.push(this.newEndpoint(url));
  }

  async start() {
    if (this.spec.dns) {
      await this.resolve();
      const loop = () => {
        this.dnsTimer = setTimeout(
          () => void this.resolve().finally(() => this.dnsTimer && loop()),
          this.spec.dns!.refreshMs,
        );
        this.dnsTimer.unref();
      };
      loop();
    }
    for (const e of this.endpoints) this.watch(e);
    this.started = true;
  }

  /**
   * The next endpoint to use, skipping unhealthy or ejected ones and `tried`
   * (endpoints that already failed this request, so a retry goes elsewhere).
   */
  pick(tried?: Endpoint): Endpoint | undefined {
    const now = Date.now();
    const list = this.endpoints;
    const n = list.length;
    if (this.spec.balance === 'least-pending') {
      let best: Endpoint | undefined;
      // Start at a rotating offset so ties spread instead of piling on the first.
      const start = this.next++ % (n || 1);
      for (let i = 0; i < n; i++) {
        const e = list[(start + i) % n]!;
        if (e === tried || !e.available(now)) continue;
        if (!best || e.pending < best.pending) best = e;
      }
      return best;
    }
    for (let i = 0; i < n; i++) {
      const e = list[this.next++ % n]!;
      if (e !== tried && e.available(now)) return e;
    }
    return undefined;
  }

  /** Whether a retry of a request that failed on `tried` has anywhere else to go. */
  hasAlternative(tried: Endpoint | undefined): boolean {
    const now = Date.now();
    return this.endpoints.some((e) => e !== tried && e.available(now));
  }

  reportSuccess(e: Endpoint) {
    e.consecutiveFailures = 0;
  }

  /** Passive outlier detection: consecutive failures eject an endpoint for a while. */
  reportFailure(e: Endpoint) {
    const { consecutiveFailures, ejectMs, maxEjectedPercent } = this.spec.outlier;
    e.consecutiveFailures++;
    const now = Date.now();
    if (e.consecutiveFailures < consecutiveFailures || e.ejectedUntil > now) return;
    const ejected = this.endpoints.filter((x) => x.ejectedUntil > now).length;
    // Never eject so many that the rest are overwhelmed, and never the last one.
    const maxEjected = Math.floor((this.endpoints.length * maxEjectedPercent) / 100);
    if (ejected >= maxEjected || ejected + 1 >= this.endpoints.length) return;
    // Repeat offenders stay out longer, up to 5× the base time.
    e.eject(now + ejectMs * Math.min(e.ejections + 1, 5));
    this.hooks.logger.warn(
      { upstream: this.name, endpoint: e.origin, ms: e.ejectedUntil - now },
      'endpoint ejected',
    );
    this.hooks.onEjection?.(this.name, e.origin);
  }

  async close() {
    clearTimeout(this.dnsTimer);
    this.dnsTimer = undefined;
    await Promise.all(this.endpoints.map((e) => e.close()));
  }

  snapshot() {
    const now = Date.now();
    return {
      name: this.name,
      version: this.label,
      balance: this.spec.balance,
      breaker: this.breaker.state,
      endpoints: this.endpoints.map((e) => e.snapshot(now)),
    };
  }

  private newEndpoint(url: string) {
    return new Endpoint(url, this.spec.connections, this.spec.healthCheck);
  }

  private watch(e: Endpoint) {
    e.startHealthChecks(
      () => this.logHealth(e),
      () =>
        this.hooks.logger.info(
          { upstream: this.name, endpoint: e.origin },
          'ejection lifted: the endpoint was restarted',
        ),
    );
  }

  private logHealth(e: Endpoint) {
    const { logger } = this.hooks;
    if (e.healthy) logger.info({ upstream: this.name, endpoint: e.origin }, 'endpoint healthy');
    else
      logger.warn(
        { upstream: this.name, endpoint: e.origin, reason: e.lastHealthError },
        'endpoint unhealthy',
      );
  }

  /** Re-resolves the DNS name: new addresses join, vanished ones are drained and closed. */
  private async resolve() {
    const { host, port, scheme } = this.spec.dns!;
    let addresses: string[];
    try {
      addresses = (await lookup(host, { all: true })).map((a) =>
        a.family === 6 ? `[${a.address}]` : a.address,
      );
    } catch (err) {
      // Keep the last known endpoints: a DNS blip should not empty the upstream.
      this.hooks.logger.warn(
        { err, upstream: this.name, host },
        'DNS lookup failed; keeping known endpoints',
      );
      return;
    }
    const urls = new Set(addresses.map((a) => `${scheme}://${a}:${port}`));
    const kept = this.endpoints.filter((e) => urls.has(e.origin));
    const gone = this.endpoints.filter((e) => !urls.has(e.origin));
    const known = new Set(kept.map((e) => e.origin));
    const added = [...urls].filter((u) => !known.has(u)).map((u) => this.newEndpoint(u));
    if (!added.length && !gone.length) return;
    this.endpoints = [...kept, ...added];
    if (this.started) for (const e of added) this.watch(e);
    for (const e of gone) void e.close();
    this.hooks.logger.info({ upstream: this.name, endpoints: [...urls] }, 'DNS endpoints changed');
  }
}
