export interface RetryBudgetOptions {
  percent: number;
  minPerWindow: number;
  windowMs: number;
}

/**
 * Caps retries at a share of requests (as Envoy and Finagle do), so that when
 * an upstream is failing, retries cannot multiply its load: at most
 * `percent`% extra calls, plus a small floor for quiet periods.
 */
export class RetryBudget {
  private windowStart = 0;
  private requests = 0;
  private retries = 0;

  constructor(
    private readonly options: RetryBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {}

  onRequest() {
    this.roll();
    this.requests++;
  }

  /** Takes one retry from the budget if there is one left. */
  tryRetry(): boolean {
    this.roll();
    const allowed = Math.max(
      this.options.minPerWindow,
      (this.requests * this.options.percent) / 100,
    );
    if (this.retries >= allowed) return false;
    this.retries++;
    return true;
  }

  private roll() {
    const now = this.now();
    if (now - this.windowStart < this.options.windowMs) return;
    this.windowStart = now;
    this.requests = 0;
    this.retries = 0;
  }
}
