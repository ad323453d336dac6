import { errorBody, type AppError } from '@fig/errors';
import type { Page } from '@fig/guestbook';
import { createStoreClient, GrpcGuestbook } from '@fig/store-client';
import { startBundle, startRedis, type RedisServer } from '@fig/testing';
import type { Service } from './support/frontend-topology';

/**
 * The shared-database step of the migration: the monolith and store-svc on one
 * Redis. Whatever one writes the other serves, and the JSON the monolith's API
 * returns is, byte for byte, what store-svc's answer becomes once the store
 * client turns it back into the API's shapes (what the frontend sends).
 */
describe('store-svc and the monolith on one Redis', () => {
  let redis: RedisServer;
  let monolith: Service;
  let store: Service;
  let client: ReturnType<typeof createStoreClient>;
  let grpc: GrpcGuestbook;

  const monolithText = async (path: string) => (await fetch(`${monolith.base}${path}`)).text();
  const post = (body: unknown, key?: string) =>
    fetch(`${monolith.base}/api/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => Promise.reject(new Error('expected a failure')),
      (err: AppError) => JSON.stringify(errorBody(err.code, err.message, err.details?.fields)),
    );

  beforeAll(async () => {
    redis = await startRedis();
    [monolith, store] = await Promise.all([
      startBundle('monolith', { env: { REDIS_URL: redis.url, MODEL_VERSION: 'v2' } }),
      startBundle('store-svc', { env: { REDIS_URL: redis.url } }),
    ]);
    client = createStoreClient({ target: `ipv4:127.0.0.1:${store.port}` });
    grpc = new GrpcGuestbook(client);
  });
  afterAll(async () => {
    client?.close();
    await Promise.all([monolith?.kill(), store?.kill()]);
    await redis?.dispose();
  });

  it('lists monolith-written entries exactly as the monolith does, and the reverse', async () => {
    expect((await post({ author: 'Ada', text: 'What a wonderful, lovely day!' })).status).toBe(201);
    expect((await post({ author: ' Bob ', text: 'This is terrible and awful' })).status).toBe(201);
    const viaStore = [
      await grpc.addEntry(
        { author: 'Cy', text: 'Written by store-svc 😀' },
        { label: 'neutral', score: 0, model: 'v1' },
      ),
      await grpc.addEntry({ author: 'Dee', text: 'Not scored yet' }, null),
    ];

    const fromMonolith = await monolithText('/api/entries?limit=20');
    const fromStore = JSON.stringify(await grpc.listEntries({ limit: 20 }));
    expect(fromStore).toBe(fromMonolith);
    const entries = (JSON.parse(fromMonolith) as Page).entries;
    expect(entries.map((e) => e.author)).toEqual(['Dee', 'Cy', 'Bob', 'Ada']);
    expect(entries[0]?.sentiment).toBeNull();
    // What AddEntry answered is what the monolith later serves for that entry.
    expect(viaStore.map((r) => JSON.stringify(r.entry))).toEqual(
      entries
        .slice(0, 2)
        .reverse()
        .map((e) => JSON.stringify(e)),
    );
  });

  it('accepts each side’s cursors on the other side, page for page', async () => {
    const first = JSON.parse(await monolithText('/api/entries?limit=3')) as Page;
    const second = await grpc.listEntries({ limit: 3, cursor: first.nextCursor! });
    const storeFirst = await grpc.listEntries({ limit: 3 });
    expect(storeFirst.nextCursor).toBe(first.nextCursor);
    expect(JSON.stringify(second)).toBe(
      await monolithText(`/api/entries?limit=3&cursor=${first.nextCursor}`),
    );
  });

  it('reports the same stats', async () => {
    expect(JSON.stringify(await grpc.getStats())).toBe(await monolithText('/api/stats'));
  });

  it('shares idempotency keys: a key used through the monolith returns its entry from store-svc', async () => {
    const created = await post({ author: 'Eve', text: 'Only once' }, 'parity-key');
    expect(created.status).toBe(201);
    const again = await grpc.addEntry(
      { author: 'Eve', text: 'Different text' },
      null,
      'parity-key',
    );
    expect([again.created, JSON.stringify(again.entry)]).toEqual([false, await created.text()]);
  });

  it('gives the same error bodies for a bad cursor and for invalid entries', async () => {
    const badCursor = await fetch(`${monolith.base}/api/entries?cursor=bogus`);
    expect(badCursor.status).toBe(400);
    expect(await failureOf(grpc.listEntries({ limit: 20, cursor: 'bogus' }))).toBe(
      await badCursor.text(),
    );

    // Blank after trimming and too long: what reaches the store when a caller skips the HTTP checks.
    const invalid = await post({ author: '   ', text: 'x'.repeat(281) });
    expect(invalid.status).toBe(400);
    expect(await failureOf(grpc.addEntry({ author: '   ', text: 'x'.repeat(281) }, null))).toBe(
      await invalid.text(),
    );
  });

  it.each([
    ['an unclosed bidi override', { author: 'admin\u202eexe.txt', text: 'hi' }],
    ['an isolate in the text', { author: 'Ada', text: 'x \u2067y' }],
    ['an author of only a zero-width space', { author: '\u200b', text: 'hi' }],
    ['invisible-only text', { author: 'Ada', text: '\u200d\u2060\ufeff' }],
    // (A lone surrogate cannot cross gRPC: protobuf strings are UTF-8 on the wire.)
  ])('refuses %s over gRPC exactly as the monolith does over HTTP', async (_name, entry) => {
    const refused = await post(entry);
    expect(refused.status).toBe(400);
    expect(await failureOf(grpc.addEntry(entry, null))).toBe(await refused.text());
  });
});
