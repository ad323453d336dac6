import { createHash } from 'node:crypto';
import { AppError } from '@fig/errors';
import type { Sentiment } from '@fig/sentiment';
import type {
  AddResult,
  Entry,
  GuestbookStore,
  ListOptions,
  NewEntry,
  Page,
  PageVisit,
  Stats,
} from '@fig/guestbook';
import { decodeCursor, encodeCursor } from './cursor';
import { idempotencyTtlSeconds, keys } from './keys';
import type { RedisClient } from '@fig/redis';
import { addEntryScript, listEntriesScript } from './scripts';

/** Redis errors become STORE_UNAVAILABLE: the caller cannot fix them, only retry. */
async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('STORE_UNAVAILABLE', undefined, undefined, { cause: err });
  }
}

function toNumber(value: string | null | undefined): number {
  return value ? Number(value) : 0;
}

/** The guestbook on the shared Redis layout of `keys.ts`. */
export class RedisGuestbook implements GuestbookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  addEntry(
    entry: NewEntry,
    sentiment: Sentiment | null,
    idempotencyKey?: string,
  ): Promise<AddResult> {
    // Everything but the id, which only the script can know; it is spliced in first.
    const rest = JSON.stringify({
      author: entry.author,
      text: entry.text,
      sentiment,
      createdAt: this.now().toISOString(),
    }).slice(1);
    const scriptKeys: string[] = [keys.sequence, keys.entries, keys.timeline, keys.stats];
    if (idempotencyKey) {
      scriptKeys.push(keys.idempotency(createHash('sha256').update(idempotencyKey).digest('hex')));
    }
    return guarded(async () => {
      const reply = (await addEntryScript.run(this.redis, scriptKeys, [
        ',' + rest,
        sentiment?.label ?? 'unscored',
        String(idempotencyTtlSeconds),
        keys.events,
      ])) as [number, string];
      return { created: reply[0] === 1, entry: JSON.parse(reply[1]) as Entry };
    });
  }

  listEntries({ limit, cursor }: ListOptions): Promise<Page> {
    return guarded(async () => (await this.page(limit, cursor, false)).page);
  }

  getStats(): Promise<Stats> {
    return guarded(async () => {
      const [stats, visits] = await Promise.all([
        this.redis.hGetAll(keys.stats),
        this.redis.get(keys.visits),
      ]);
      return {
        visits: toNumber(visits),
        entries: toNumber(stats.entries),
        sentiment: {
          positive: toNumber(stats.positive),
          neutral: toNumber(stats.neutral),
          negative: toNumber(stats.negative),
        },
      };
    });
  }

  incrementVisits(): Promise<number> {
    return guarded(() => this.redis.incr(keys.visits));
  }

  visitPage(limit: number): Promise<PageVisit> {
    return guarded(async () => {
      const { visits, page } = await this.page(limit, undefined, true);
      return { visits, ...page };
    });
  }

  /** One page newest first, counting a visit too when `visit`; one Redis round trip. */
  private async page(limit: number, cursor: string | undefined, visit: boolean) {
    const before = cursor === undefined ? '+inf' : `(${decodeCursor(cursor)}`;
    const scriptKeys = visit
      ? [keys.timeline, keys.entries, keys.visits]
      : [keys.timeline, keys.entries];
    const [visits, more, json, last] = (await listEntriesScript.run(this.redis, scriptKeys, [
      before,
      String(limit),
    ])) as [number, number, (string | null)[], string | null];
    const entries = json
      .filter((j): j is string => typeof j === 'string')
      .map((j) => JSON.parse(j) as Entry);
    const nextCursor = more && last ? encodeCursor(Number(last)) : null;
    return { visits, page: { entries, nextCursor } };
  }
}
