import { Pool, request, type Dispatcher } from 'undici';

export interface HealthCheckOptions {
  enabled: boolean;
  path: string;
  portOffset: number;
  intervalMs: number;
  timeoutMs: number;
  unhealthyAfter: number;
  healthyAfter: number;
}

/**
 * Whether a failed readiness answer is a Fig ops server's "draining" report
 * (`{"status":"draining"}`, libs/service): the endpoint got SIGTERM. Anything
 * else is an ordinary failure.
 */
async function isDrainingReport(body: Dispatcher.ResponseData['body']): Promise<boolean> {
  try {
    return ((await body.json()) as { status?: unknown }).status === 'draining';
  } catch {
    return false;
  }
}

/**
 * One address of an upstream: a kept-alive connection pool plus what the
 * gateway has learnt about it (active health, passive failures, ejection).
 */
export class Endpoint {
  readonly pool: Pool;
  readonly origin: string;
  /** Requests dispatched and not yet finished: the least-pending balancer reads it. */
  pending = 0;
  healthy = true;
  lastHealthError: string | undefined;
  consecutiveFailures = 0;
  ejectedUntil = 0;
  ejections = 0;
  /** The last active probe failed, or one did since the last ejection: it went away. */
  private lastProbeOk = true;
  private probeFailedWhileEjected = false;
  private healthStreak = 0;
  private healthTimer?: NodeJS.Timeout;

  constructor(
    url: string,
    /** The pool's size: more pending requests than this wait for a connection. */
    readonly connections: number,
    private readonly health?: HealthCheckOptions,
  ) {
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.pool = new Pool(this.origin, { connections, keepAliveTimeout: 30_000 });
  }

  available(now: number): boolean {
    return this.healthy && this.ejectedUntil <= now;
  }

  /** Passive outlier detection takes the endpoint out until `until`. */
  eject(until: number) {
    this.ejections++;
    this.ejectedUntil = until;
    this.consecutiveFailures = 0;
    this.probeFailedWhileEjected = !this.lastProbeOk;
  }

  /** Active checks: GET the endpoint's readiness URL; a few failures in a row take it out. */
  startHealthChecks(onChange: () => void, onRecovered: () => void) {
    const health = this.health;
    if (!health?.enabled) return;
    const url = new URL(health.path, this.origin);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    url.port = String(port + health.portOffset);
    const probe = async () => {
      let ok = false;
      let draining = false;
      try {
        const res = await request(url, { signal: AbortSignal.timeout(health.timeoutMs) });
        ok = res.statusCode >= 200 && res.statusCode < 300;
        // A failed answer's body is read (and so consumed) to look for the draining report.
        if (ok) await res.body.dump();
        else draining = await isDrainingReport(res.body);
        this.lastHealthError = ok
          ? undefined
          : `status ${res.statusCode}${draining ? ' (draining)' : ''}`;
      } catch (err) {
        this.lastHealthError = err instanceof Error ? err.message : String(err);
      }
      // An ejected endpoint whose probe failed and now passes was restarted (its
      // pod replaced, say): it comes back now, not when the ejection runs out.
      // One that kept passing its probe while failing requests stays out.
      if (this.ejectedUntil > Date.now()) {
        if (!ok) this.probeFailedWhileEjected = true;
        else if (this.probeFailedWhileEjected) {
          this.ejectedUntil = 0;
          onRecovered();
        }
      }
      this.lastProbeOk = ok;
      // The streak counts consecutive results of the kind that would flip the state.
      // An endpoint that says it is shutting down is taken out at once: it
      // will not recover, and the sooner no request goes to it the better.
      this.healthStreak = ok === this.healthy ? 0 : this.healthStreak + 1;
      const needed = draining ? 1 : this.healthy ? health.unhealthyAfter : health.healthyAfter;
      if (this.healthStreak >= needed) {
        this.healthy = ok;
        this.healthStreak = 0;
        onChange();
      }
    };
    const loop = () => {
      this.healthTimer = setTimeout(
        () => void probe().finally(() => this.healthTimer && loop()),
        health.intervalMs,
      );
      this.healthTimer.unref();
    };
    void probe();
    loop();
  }

  /** Closes the pool once its in-flight requests finish (a reload never cuts one). */
  async close() {
    clearTimeout(this.healthTimer);
    this.healthTimer = undefined;
    await this.pool.close();
  }

  snapshot(now: number) {
    return {
      url: this.origin,
      healthy: this.healthy,
      ejected: this.ejectedUntil > now,
      ...(this.lastHealthError ? { lastHealthError: this.lastHealthError } : {}),
      pending: this.pending,
      consecutiveFailures: this.consecutiveFailures,
      ejections: this.ejections,
    };
  }
}
