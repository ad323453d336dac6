import type { RedisClient } from '@fig/redis';
import type { Logger } from '@fig/logging';

export interface Limit {
  requests: number;
  windowSeconds: number;
}

export interface Decision {
  allowed: boolean;
  /** Seconds until the window resets: the Retry-After of a 429. */
  retryAfter: number;
}

/**
 * Fixed-window rate limits. Windows are aligned to the clock so that every
 * gateway replica counts into the same Redis key. When Redis cannot be
 * reached the replica counts locally instead (fail open: a Redis outage must
 * not take the site down; each replica then allows up to the limit itself),
 * and counts that it did.
 */
export class RateLimiter {
  private readonly local = new Map<string, { count: number; expires: number }>();
  private lastSweep = 0;
  private redisDown = false;

  constructor(
    private readonly redis: RedisClient | undefined,
    private readonly logger: Logger,
    private readonly onFallback: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  async take(route: string, client: string, { requests, windowSeconds }: Limit): Promise<Decision> {
    const windowMs = windowSeconds * 1000;
    const now = this.now();
    const window = Math.floor(now / windowMs);
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
    const key = `fig:gw:rl:${route}:${client}:${window}`;
    const count = await this.count(key, windowMs, now);
    return { allowed: count <= requests, retryAfter };
  }

  private async count(key: string, windowMs: number, now: number): Promise<number> {
    if (this.redis?.isReady) {
      try {
        const [count] = (await this.redis
          .multi()
          .incr(key)
          .pExpire(key, windowMs * 2)
          .exec()) as unknown as [number];
        if (this.redisDown) this.logger.info('rate limits shared through Redis again');
        this.redisDown = false;
        return count;
      } catch (err) {
        this.markDown(err);
      }
    } else if (this.redis) {
      this.markDown(new Error('redis not connected'));
    }
    return this.countLocally(key, windowMs, now);
  }

  private markDown(err: unknown) {
    this.onFallback();
    if (!this.redisDown)
      this.logger.warn({ err }, 'rate limits counted locally: Redis unreachable');
    this.redisDown = true;
  }

  private countLocally(key: string, windowMs: number, now: number): number {
    // Sweep finished windows now and then so the map cannot grow without bound.
    if (now - this.lastSweep > 10_000) {
      for (const [k, entry] of this.local) if (entry.expires <= now) this.local.delete(k);
      this.lastSweep = now;
    }
    const entry = this.local.get(key);
    if (entry) return ++entry.count;
    this.local.set(key, { count: 1, expires: (Math.floor(now / windowMs) + 1) * windowMs });
    return 1;
  }
}
