export type BreakerState = 'closed' | 'open' | 'half-open';

/** Trip after this many failures in a row (a single upstream, few calls: the frontend's model). */
export interface ConsecutiveRule {
  consecutiveFailures: number;
}

/** Trip when, within one window, enough calls failed and a large enough share of them. */
export interface RatioRule {
  /** Failures needed in one window before the ratio counts (avoids opening on 1 of 1). */
  minFailures: number;
  failureRatio: number;
  windowMs: number;
}

export type BreakerOptions = (ConsecutiveRule | RatioRule) & {
  /** How long the circuit stays open before one trial call may pass. */
  openMs: number;
  onStateChange?: (to: BreakerState, from: BreakerState) => void;
  now?: () => number;
};

/** Thrown by `run` instead of calling while the circuit is open (or a trial is already under way). */
export class CircuitOpenError extends Error {
  constructor(readonly retryInMs: number) {
    super(`circuit open; next trial in ${retryInMs} ms`);
    this.name = 'CircuitOpenError';
  }
}

export interface RunOptions {
  /**
   * Whether an error says the upstream is unwell. Errors that do not (a caller's
   * own mistake, a call that never reached the upstream) release the permit
   * without a verdict. Every error counts unless told otherwise.
   */
  countsAsFailure?: (err: unknown) => boolean;
}

/**
 * The one circuit breaker of Fig, for the gateway's upstreams and for every
 * model client:
 *
 *   closed ──(the trip rule fires)──▶ open
 *   open ──(openMs passed)──▶ half-open: exactly one trial call passes
 *   half-open ──trial succeeds──▶ closed   half-open ──trial fails──▶ open
 *
 * While open, calls are refused at once, so a slow or dead upstream costs its
 * callers nothing and gets room to recover. Callers either wrap a call in
 * `run`, or (where the call is not one promise, as in the gateway's streaming
 * proxy) ask `allow()` and then report exactly one of `recordSuccess`,
 * `recordFailure` or `release`: which outcomes count as failures is decided
 * at the call site. Hand-written (about 100 lines, typed, with an injectable
 * clock) rather than opossum, whose untyped event API wraps one function per
 * breaker and fits neither the streaming proxy nor a shared per-upstream state.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private windowStart = 0;
  private calls = 0;
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The state a call made now would see (an open circuit whose time is up reads half-open). */
  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs)
      return 'half-open';
    return this.current;
  }

  /** How long until a trial may pass; 0 once one may (or one is already under way). */
  get retryInMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.options.openMs - (this.now() - this.openedAt));
  }

  /** Whether a call may go ahead; every `true` must be followed by exactly one record or release. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    this.moveTo('half-open');
    return true;
  }

  recordSuccess() {
    if (this.current === 'half-open') {
      this.trialInFlight = false;
      this.resetCounts();
      this.windowStart = this.now();
      this.moveTo('closed');
      return;
    }
    if (this.current !== 'closed') return;
    this.count(false);
  }

  recordFailure() {
    if (this.current === 'half-open') {
      this.trialInFlight = false;
      this.open();
      return;
    }
    if (this.current !== 'closed') return;
    if (this.count(true)) this.open();
  }

  /** Gives a permit back without a verdict (the caller went away, or the upstream was never reached). */
  release() {
    if (this.current === 'half-open') this.trialInFlight = false;
  }

  async run<T>(call: () => Promise<T>, { countsAsFailure }: RunOptions = {}): Promise<T> {
    if (!this.allow()) throw new CircuitOpenError(this.retryInMs);
    let result: T;
    try {
      result = await call();
    } catch (err) {
      if (countsAsFailure && !countsAsFailure(err)) this.release();
      else this.recordFailure();
      throw err;
    }
    this.recordSuccess();
    return result;
  }

  /** Counts one outcome while closed; true when the trip rule fires. */
  private count(failed: boolean): boolean {
    const rule = this.options;
    if ('consecutiveFailures' in rule) {
      this.failures = failed ? this.failures + 1 : 0;
      return this.failures >= rule.consecutiveFailures;
    }
    const now = this.now();
    if (now - this.windowStart >= rule.windowMs) {
      this.windowStart = now;
      this.resetCounts();
    }
    this.calls++;
    if (failed) this.failures++;
    return this.failures >= rule.minFailures && this.failures / this.calls >= rule.failureRatio;
  }

  private resetCounts() {
    this.calls = 0;
    this.failures = 0;
  }

  private open() {
    this.openedAt = this.now();
    this.resetCounts();
    this.windowStart = this.openedAt;
    this.moveTo('open');
  }

  private moveTo(next: BreakerState) {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.options.onStateChange?.(next, previous);
  }
}
