import type { RedisClient } from '@fig/redis';
import { storeServiceName } from '@fig/proto';
import { untraced } from '@fig/telemetry';
import { HealthStatuses, type ServingStatus } from './health-service';

/**
 * grpc.health.v1.Health for the whole server ("") and for StoreService:
 * SERVING only while Redis answers and the server is not draining.
 */
export class StoreHealth {
  readonly service = new HealthStatuses({
    '': 'NOT_SERVING',
    [storeServiceName]: 'NOT_SERVING',
  });
  private redisUp = false;
  private draining = false;
  private published: ServingStatus = 'NOT_SERVING';

  get status(): ServingStatus {
    return this.redisUp && !this.draining ? 'SERVING' : 'NOT_SERVING';
  }

  setRedisUp(up: boolean): void {
    this.redisUp = up;
    this.publish();
  }

  drain(): void {
    this.draining = true;
    this.publish();
  }

  /**
   * setStatus sends to every Watch stream each time it is called, and the
   * Redis probe reports every 0.5 s: only a change is passed on, so a Watch
   * stream carries one message per change, as the health protocol intends.
   */
  private publish() {
    const status = this.status;
    if (status === this.published) return;
    this.published = status;
    for (const name of ['', storeServiceName]) this.service.setStatus(name, status);
  }
}

/**
 * Follows whether Redis can serve: connection events flip the status at once,
 * and a PING every `intervalMs` (bounded by the same time) catches a Redis
 * that is connected but not answering. Returns a function that stops it.
 */
export function watchRedis(
  redis: RedisClient,
  onChange: (up: boolean) => void,
  intervalMs = 500,
): () => void {
  const down = () => onChange(false);
  const ping = () => {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(reject, intervalMs, new Error('ping timed out')).unref(),
    );
    // Untraced: two root spans a second per replica would bury real traffic.
    const pong = untraced(() => redis.ping());
    Promise.race([pong, timeout]).then(() => onChange(true), down);
  };
  redis.on('error', down);
  redis.on('end', down);
  redis.on('ready', ping);
  const timer = setInterval(ping, intervalMs).unref();
  ping();
  return () => {
    clearInterval(timer);
    redis.off('error', down);
    redis.off('end', down);
    redis.off('ready', ping);
  };
}
