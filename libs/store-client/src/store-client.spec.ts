import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { AppError, errorBody, type FieldViolation } from '@fig/errors';
import type { Entry } from '@fig/guestbook';
import {
  entryToProto,
  storeServiceName,
  StoreServiceService,
  toGrpcStatus,
  type AddEntryRequest,
  type StoreServiceServer,
  type WatchEntriesRequest,
  type WatchEntriesResponse,
} from '@fig/proto';
import { freePort, startTcpProxy } from '@fig/testing';
import { createStoreClient } from './client';
import { GrpcGuestbook } from './guestbook';
import { storeCheck } from './readiness';

const stored: Entry = {
  id: '3',
  author: 'Ada',
  text: 'Loved it',
  sentiment: { label: 'positive', score: 0.6369, model: 'v2' },
  createdAt: '2026-11-24T02:05:34.123Z',
};

type Fail = () => ReturnType<typeof toGrpcStatus> | undefined;

/** A stand-in store-svc on a real socket, scripted per test. */
async function startFake() {
  const seen = { add: [] as AddEntryRequest[], listAttempts: 0, addAttempts: 0, visitAttempts: 0 };
  const keys = new Set<string>();
  const script: {
    failList?: Fail;
    failAdd?: Fail;
    failVisit?: Fail;
    hang?: boolean;
    crash?: () => void;
  } = {};
  /** Sends the reply's headers, then lets the test crash the connection once. */
  const crashMidReply = (call: ServerUnaryCall<unknown, unknown>) => {
    const crash = script.crash;
    if (!crash) return false;
    script.crash = undefined;
    call.sendMetadata(new Metadata());
    setTimeout(crash, 50);
    return true;
  };
  const watchers: ServerWritableStream<WatchEntriesRequest, WatchEntriesResponse>[] = [];
  const impl: StoreServiceServer = {
    addEntry: (call, callback) => {
      seen.addAttempts++;
      seen.add.push(call.request);
      if (crashMidReply(call)) return;
      const failure = script.failAdd?.();
      if (failure) return callback(failure);
      // Like the real store: a key seen before gets the first entry back.
      const key = call.request.idempotencyKey;
      const created = !key || !keys.has(key);
      if (key) keys.add(key);
      callback(null, { entry: entryToProto(stored), created });
    },
    listEntries: (call, callback) => {
      seen.listAttempts++;
      if (script.hang || crashMidReply(call)) return;
      const failure = script.failList?.();
      if (failure) return callback(failure);
      callback(null, {
        entries: [entryToProto(stored), entryToProto({ ...stored, id: '2', sentiment: null })],
        nextPageToken: 'abc',
      });
    },
    getStats: (_call, callback) =>
      callback(null, {
        visits: 9,
        entries: 2,
        sentiment: { positive: 1, neutral: 0, negative: 0 },
      }),
    incrementVisits: (_call, callback) => callback(null, { visits: 10 }),
    visitPage: (call, callback) => {
      seen.visitAttempts++;
      const failure = script.failVisit?.();
      if (failure) return callback(failure);
      callback(null, {
        visits: 11,
        entries: [entryToProto(stored)].slice(0, call.request.pageSize),
        nextPageToken: '',
      });
    },
    watchEntries: (call) => {
      watchers.push(call);
      call.sendMetadata(call.metadata.clone());
    },
  };
  const server = new Server();
  server.addService(StoreServiceService, impl);
  const health = new HealthImplementation({ [storeServiceName]: 'SERVING' });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { port, seen, script, health, watchers, stop: () => server.forceShutdown() };
}

describe('store client', () => {
  let fake: Awaited<ReturnType<typeof startFake>>;
  let client: ReturnType<typeof createStoreClient>;
  let guestbook: GrpcGuestbook;

  beforeEach(async () => {
    fake = await startFake();
    client = createStoreClient({ target: `dns:///127.0.0.1:${fake.port}`, deadlineMs: 500 });
    guestbook = new GrpcGuestbook(client);
  });
  afterEach(() => {
    client.close();
    fake.stop();
  });

  it('returns pages, stats and visits in the API JSON shape', async () => {
    const page = await guestbook.listEntries({ limit: 2 });
    expect(JSON.stringify(page)).toBe(
      JSON.stringify({
        entries: [stored, { ...stored, id: '2', sentiment: null }],
        nextCursor: 'abc',
      }),
    );
    expect(await guestbook.getStats()).toEqual({
      visits: 9,
      entries: 2,
      sentiment: { positive: 1, neutral: 0, negative: 0 },
    });
    expect(await guestbook.incrementVisits()).toBe(10);
    expect(JSON.stringify(await guestbook.visitPage(1))).toBe(
      JSON.stringify({ visits: 11, entries: [stored], nextCursor: null }),
    );
  });

  it('builds the page from two reads when VisitPage loses its replica, never asking VisitPage twice', async () => {
    fake.script.failVisit = () => ({ code: status.UNAVAILABLE, details: 'replica gone' });
    const page = await guestbook.visitPage(5);
    expect(fake.seen.visitAttempts).toBe(1);
    // The visit count as stored (GetStats), and the page as listed.
    expect(page.visits).toBe(9);
    expect(page.entries.map((e) => e.id)).toEqual(['3', '2']);

    // Any other failure is the caller's to see: the store answered.
    fake.script.failVisit = () => ({ code: status.INTERNAL, details: 'bug' });
    await expect(guestbook.visitPage(5)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('sends the sentiment and the idempotency key with a new entry', async () => {
    const result = await guestbook.addEntry(
      { author: 'Ada', text: 'Loved it' },
      stored.sentiment,
      'key-7',
    );
    expect(result).toEqual({ entry: stored, created: true });
    expect(fake.seen.add[0]).toEqual({
      author: 'Ada',
      text: 'Loved it',
      sentiment: { label: 1, score: 0.6369, model: 'v2' },
      idempotencyKey: 'key-7',
    });
    // The client's own key, seen before: the store's replay is reported as one.
    const again = await guestbook.addEntry({ author: 'Ada', text: 'Loved it' }, null, 'key-7');
    expect(again.created).toBe(false);
  });

  it('gives a write without a key one of its own, new for every write', async () => {
    await guestbook.addEntry({ author: 'A', text: 'one' }, null);
    await guestbook.addEntry({ author: 'A', text: 'two' }, null);
    const [first, second] = fake.seen.add.map((r) => r.idempotencyKey);
    expect(first).toMatch(/^fig-write-[0-9a-f-]{36}$/);
    expect(second).toMatch(/^fig-write-[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  it('rebuilds the AppError the store raised, so HTTP bodies match the monolith', async () => {
    const fields: FieldViolation[] = [
      { field: 'text', code: 'TOO_LONG', message: 'text must be at most 280 characters' },
    ];
    const raised = new AppError('VALIDATION_FAILED', fields[0]!.message, { fields });
    fake.script.failAdd = () => toGrpcStatus(raised);
    const error = (await guestbook
      .addEntry({ author: 'A', text: 'x' }, null)
      .catch((e: unknown) => e)) as AppError;
    expect(errorBody(error.code, error.message, error.details?.fields)).toEqual(
      errorBody(raised.code, raised.message, fields),
    );

    fake.script.failList = () => toGrpcStatus(new AppError('INVALID_CURSOR'), 'page_token');
    await expect(guestbook.listEntries({ limit: 5, cursor: 'zzz' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
      message: 'The cursor is not one this service issued',
      details: undefined,
    });
  });

  it("starts calls without grpc-js's caller stack, and leaves the stack limit as it was", async () => {
    const limit = Error.stackTraceLimit;
    fake.script.failList = () => ({ code: status.INTERNAL, details: 'bug' });
    const error = (await guestbook.listEntries({ limit: 5 }).catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('INTERNAL');
    // grpc-js appends the stack it captured when the call started; none was.
    const callerStack = (error.cause as Error).stack?.split('\nfor call at\n')[1];
    expect(callerStack).toBeDefined();
    expect(callerStack).not.toMatch(/^\s+at /m);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(await guestbook.getStats()).toMatchObject({ visits: 9 });
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('retries ListEntries on UNAVAILABLE, a keyed AddEntry once, and an AddEntry without a key never', async () => {
    let listFailures = 1;
    fake.script.failList = () =>
      listFailures-- > 0 ? { code: status.UNAVAILABLE, details: 'blip' } : undefined;
    await expect(guestbook.listEntries({ limit: 5 })).resolves.toMatchObject({ nextCursor: 'abc' });
    expect(fake.seen.listAttempts).toBe(2);

    let addFailures = 1;
    fake.script.failAdd = () =>
      addFailures-- > 0 ? { code: status.UNAVAILABLE, details: 'blip' } : undefined;
    await expect(guestbook.addEntry({ author: 'A', text: 'b' }, null)).resolves.toMatchObject({
      created: true,
    });
    expect(fake.seen.addAttempts).toBe(2);
    expect(fake.seen.add[1]!.idempotencyKey).toBe(fake.seen.add[0]!.idempotencyKey);

    // Only once: a store that stays unavailable is not asked a third time.
    fake.script.failAdd = () => ({ code: status.UNAVAILABLE, details: 'blip' });
    await expect(guestbook.addEntry({ author: 'A', text: 'b' }, null)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect(fake.seen.addAttempts).toBe(4);

    // The raw client without a key: a lost reply may hide a write, so never again.
    const raw = new Promise((resolve) =>
      client.addEntry({ author: 'A', text: 'b', idempotencyKey: '', sentiment: undefined }, (err) =>
        resolve(err?.code),
      ),
    );
    expect(await raw).toBe(status.UNAVAILABLE);
    expect(fake.seen.addAttempts).toBe(5);
  });

  it('asks again for a read or a keyed write cut off after its headers, never for a write without a key', async () => {
    // A replica killed mid-reply: the headers arrived, the body died in a TCP
    // reset. The channel's retry policy has committed by then; the client's
    // read interceptor asks once more.
    const proxy = await startTcpProxy(fake.port);
    const viaProxy = createStoreClient({ target: `127.0.0.1:${proxy.port}`, deadlineMs: 2_000 });
    try {
      const proxied = new GrpcGuestbook(viaProxy);
      fake.script.crash = () => proxy.resetAll();
      await expect(proxied.listEntries({ limit: 5 })).resolves.toMatchObject({ nextCursor: 'abc' });
      expect(fake.seen.listAttempts).toBe(2);

      // The write reached the store before the cut: asked again with the
      // same key, the store replays it, and the caller learns it was created.
      fake.script.crash = () => proxy.resetAll();
      await expect(proxied.addEntry({ author: 'A', text: 'b' }, null)).resolves.toMatchObject({
        created: true,
      });
      expect(fake.seen.addAttempts).toBe(2);
      expect(new Set(fake.seen.add.map((r) => r.idempotencyKey)).size).toBe(1);

      fake.script.crash = () => proxy.resetAll();
      const raw = new Promise((resolve) =>
        viaProxy.addEntry(
          { author: 'A', text: 'b', idempotencyKey: '', sentiment: undefined },
          (err) => resolve(err?.code),
        ),
      );
      expect(await raw).toBe(status.UNAVAILABLE);
      expect(fake.seen.addAttempts).toBe(3);
    } finally {
      viaProxy.close();
      await proxy.close();
    }
  });

  it('gives up at the deadline with STORE_UNAVAILABLE when the store does not answer', async () => {
    fake.script.hang = true;
    const started = Date.now();
    await expect(guestbook.listEntries({ limit: 5 })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports STORE_UNAVAILABLE when nothing listens at the target', async () => {
    const nowhere = createStoreClient({ target: `127.0.0.1:${await freePort()}` });
    await expect(new GrpcGuestbook(nowhere).getStats()).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    nowhere.close();
  });

  it('is ready only while the store reports SERVING', async () => {
    const check = storeCheck(client);
    await expect(check.run(AbortSignal.timeout(1_000))).resolves.toBe('SERVING');
    fake.health.setStatus(storeServiceName, 'NOT_SERVING');
    await expect(check.run(AbortSignal.timeout(1_000))).rejects.toThrow(/store is NOT_SERVING/);
    fake.stop();
    await expect(check.run(AbortSignal.timeout(1_000))).rejects.toThrow(
      /store health check failed/,
    );
  });

  it('is ready while any store-svc replica is SERVING, so one draining replica fails no caller', async () => {
    const other = await startFake();
    const both = createStoreClient({
      target: `ipv4:127.0.0.1:${fake.port},127.0.0.1:${other.port}`,
    });
    try {
      const check = storeCheck(both);
      await expect(check.run(AbortSignal.timeout(1_000))).resolves.toBe('SERVING');
      other.health.setStatus(storeServiceName, 'NOT_SERVING');
      // Whichever replica round robin would pick first, the answer is the same.
      for (let i = 0; i < 10; i++) {
        await expect(check.run(AbortSignal.timeout(1_000))).resolves.toBe('SERVING');
      }
      fake.health.setStatus(storeServiceName, 'NOT_SERVING');
      await expect(check.run(AbortSignal.timeout(1_000))).rejects.toThrow(/store is NOT_SERVING/);
    } finally {
      both.close();
      other.stop();
    }
  });

  it('streams new entries until the caller aborts', async () => {
    const abort = new AbortController();
    const received: Entry[] = [];
    const watching = (async () => {
      for await (const entry of guestbook.watchEntries(abort.signal)) {
        received.push(entry);
        if (received.length === 2) abort.abort();
      }
    })();
    const watcher = await (async () => {
      while (!fake.watchers[0]) await new Promise((r) => setImmediate(r));
      return fake.watchers[0];
    })();
    watcher.write({ entry: entryToProto(stored) });
    watcher.write({ entry: entryToProto({ ...stored, id: '4' }) });
    await watching;
    expect(received.map((e) => e.id)).toEqual(['3', '4']);
  });
});
