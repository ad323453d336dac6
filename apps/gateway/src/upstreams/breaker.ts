export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  minFailures: number;
  failureRatio: number;
  windowMs: number;
  openMs: number;
}

/**
 * A circuit breaker per upstream, small enough to read in one go:
 *
 *   closed ──(≥ minFailures and ≥ failureRatio of calls failed in a window)──▶ open
 *   open ──(openMs elapsed; the next call is let through as a trial)──▶ half-open
 *   half-open ──(trial succeeds)──▶ closed     half-open ──(trial fails)──▶ open
 *
 * While open (and while a trial is in flight) calls are refused at once, so a
 * failing upstream costs its callers nothing and gets room to recover.
 */
export class Breaker {
  private current: BreakerState = 'closed';
  private windowStart = 0;
  private calls = 0;
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a call may go ahead; every `true` must be followed by exactly one `record`. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.openMs) return false;
      this.transition('half-open');
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** `undefined` releases a permit without a verdict (the client went away). */
  record(success: boolean | undefined) {
    if (this.current === 'half-open') {
      this.trialInFlight = false;
      if (success === true) this.close();
      else if (success === false) this.open();
      return;
    }
    if (this.current !== 'closed' || success === undefined) return;
    const now = this.now();
    if (now - this.windowStart >= this.options.windowMs) {
      this.windowStart = now;
      this.calls = 0;
      this.failures = 0;
    }
    this.calls++;
    if (!success) this.failures++;
    const { minFailures, failureRatio } = this.options;
    if (this.failures >= minFailures && this.failures / this.calls >= failureRatio) this.open();
  }

  private open() {
    this.openedAt = this.now();
    this.transition('open');
  }

  private close() {
    this.calls = 0;
    this.failures = 0;
    this.windowStart = this.now();
    this.transition('closed');
  }

  private transition(state: BreakerState) {
    if (state === this.current) return;
    this.current = state;
    this.onChange(state);
  }
}
