import type { RouteFile } from '../routes/schema';
import { RetryBudget } from './retry-budget';
import { Upstream, type UpstreamHooks } from './upstream';

/**
 * The live upstreams. A reload keeps every upstream whose definition did not
 * change (its pools, health and breaker state carry over) and drains the
 * ones that disappeared, so reloading under load never cuts a request.
 */
export class UpstreamRegistry {
  private byName = new Map<string, Upstream>();
  private budget?: RetryBudget;
  private budgetKey = '';

  constructor(
    private readonly hooks: UpstreamHooks,
    private readonly retireAfterMs = 10_000,
  ) {}

  get(name: string): Upstream | undefined {
    return this.byName.get(name);
  }

  all(): Upstream[] {
    return [...this.byName.values()];
  }

  /** One budget for the gateway: retries across all upstreams are bounded together. */
  get retryBudget(): RetryBudget {
    return this.budget!;
  }

  /**
   * Builds the upstreams of a new route file, reusing unchanged ones. Nothing
   * changes until `commit`, so the caller can swap its route table at the same
   * moment; the returned function then drains the retired upstreams.
   */
  async prepare(
    file: RouteFile,
  ): Promise<{ upstreams: Map<string, Upstream>; commit: () => Promise<void> }> {
    const next = new Map<string, Upstream>();
    const started: Promise<void>[] = [];
    for (const [name, spec] of Object.entries(file.upstreams)) {
      const current = this.byName.get(name);
      if (current && JSON.stringify(current.spec) === JSON.stringify(spec)) {
        next.set(name, current);
        continue;
      }
      const upstream = new Upstream(name, spec, this.hooks);
      started.push(upstream.start());
      next.set(name, upstream);
    }
    await Promise.all(started);
    const commit = async () => {
      const budgetKey = JSON.stringify(file.retryBudget);
      if (budgetKey !== this.budgetKey) {
        this.budget = new RetryBudget(file.retryBudget);
        this.budgetKey = budgetKey;
      }
      const retired = [...this.byName.values()].filter((u) => next.get(u.name) !== u);
      this.byName = next;
      // A request that matched the old table a moment ago may still be on its way
      // to a retired upstream (after an auth or rate-limit await): give it time.
      await new Promise((resolve) => setTimeout(resolve, this.retireAfterMs).unref());
      // Pools close gracefully: requests already on them finish first.
      await Promise.all(retired.map((u) => u.close()));
    };
    return { upstreams: next, commit };
  }

  async close() {
    await Promise.all(this.all().map((u) => u.close()));
  }
}
