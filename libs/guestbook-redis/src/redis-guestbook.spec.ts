import pino from 'pino';
import { AppError } from '@fig/errors';
import type { Sentiment } from '@fig/sentiment';
import { startRedis, waitFor, type RedisServer } from '@fig/testing';
import { RedisGuestbook } from './redis-guestbook';
import { connectRedis, type RedisClient } from '@fig/redis';

const logger = pino({ level: 'silent' });
const positive: Sentiment = { label: 'positive', score: 0.8, model: 'v2' };

describe('RedisGuestbook (real Redis)', () => {
  let redis: RedisServer;
  let client: RedisClient;
  let guestbook: RedisGuestbook;

  beforeAll(async () => {
    redis = await startRedis({ aof: true });
    client = await connectRedis({ url: redis.url, logger, name: 'test' });
  });
  afterAll(async () => {
    client?.destroy();
    await redis?.dispose();
  });
  beforeEach(async () => {
    // A previous test may have restarted Redis; start from a connected client.
    await waitFor(() => client.isReady, { what: 'redis client to reconnect' });
    await client.flushAll();
    guestbook = new RedisGuestbook(client);
  });

  it('adds an entry and lists it newest first', async () => {
    const { entry, created } = await guestbook.addEntry({ author: 'Ada', text: 'first' }, positive);
    await guestbook.addEntry({ author: 'Bob', text: 'second' }, null);
    expect(created).toBe(true);
    expect(entry).toEqual({
      id: '1',
      author: 'Ada',
      text: 'first',
      sentiment: positive,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const page = await guestbook.listEntries({ limit: 20 });
    expect(page.entries.map((e) => e.text)).toEqual(['second', 'first']);
    expect(page.nextCursor).toBeNull();
  });

  it('pages with a cursor without gaps or repeats', async () => {
    for (let i = 1; i <= 7; i++) await guestbook.addEntry({ author: 'A', text: `n${i}` }, positive);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await guestbook.listEntries({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.entries.map((e) => e.text));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(['n7', 'n6', 'n5', 'n4', 'n3', 'n2', 'n1']);
    expect(pages).toBe(3);
  });

  it('counts a visit and lists the first page together for the page', async () => {
    for (let i = 1; i <= 3; i++) await guestbook.addEntry({ author: 'A', text: `p${i}` }, null);
    await guestbook.incrementVisits();
    const visit = await guestbook.visitPage(2);
    expect(visit.visits).toBe(2);
    expect(visit.entries.map((e) => e.text)).toEqual(['p3', 'p2']);
    expect(visit.nextCursor).toBe((await guestbook.listEntries({ limit: 2 })).nextCursor);
  });

  it('counts entries by sentiment and visits', async () => {
    await guestbook.addEntry({ author: 'A', text: 'a' }, positive);
    await guestbook.addEntry(
      { author: 'A', text: 'b' },
      { label: 'negative', score: -0.5, model: 'v1' },
    );
    await guestbook.addEntry({ author: 'A', text: 'c' }, null);
    await guestbook.incrementVisits();
    expect(await guestbook.incrementVisits()).toBe(2);
    expect(await guestbook.getStats()).toEqual({
      visits: 2,
      entries: 3,
      sentiment: { positive: 1, neutral: 0, negative: 1 },
    });
  });

  it('creates exactly one entry for 50 concurrent adds with one idempotency key', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        guestbook.addEntry({ author: 'A', text: `try ${i}` }, positive, 'key-1'),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
    expect((await guestbook.getStats()).entries).toBe(1);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(guestbook.listEntries({ limit: 5, cursor: 'bogus' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
  });

  it('keeps acknowledged entries across a Redis restart with AOF on', async () => {
    const { entry } = await guestbook.addEntry({ author: 'Ada', text: 'durable' }, positive);
    await redis.stop();
    await redis.start();
    const fresh = await connectRedis({ url: redis.url, logger, name: 'after-restart' });
    try {
      const page = await new RedisGuestbook(fresh).listEntries({ limit: 5 });
      expect(page.entries).toEqual([entry]);
    } finally {
      fresh.destroy();
    }
  });

  it('fails fast with STORE_UNAVAILABLE while Redis is down, and recovers', async () => {
    await redis.stop();
    const started = Date.now();
    const error = await guestbook.getStats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('STORE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1_000);
    await redis.start();
    await waitFor(() => guestbook.getStats().then(() => true), {
      timeoutMs: 2_000,
      what: 'recovery',
    });
  });
});
