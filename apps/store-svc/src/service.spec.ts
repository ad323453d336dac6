import { connect } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { RedisGuestbook } from '@fig/guestbook-redis';
import {
  AddEntryRequest,
  fromGrpcError,
  SentimentLabel,
  type AddEntryResponse,
  type StoreServiceClient,
} from '@fig/proto';
import { startRedis, type RedisServer } from '@fig/testing';
import { grpcCall as call, grpcFailure as failure } from '@fig/testing';
import { startStore, type RunningStore } from '../test/harness';

const positive = { label: SentimentLabel.SENTIMENT_LABEL_POSITIVE, score: 0.75, model: 'v2' };
const entry = (text: string, extra: Partial<AddEntryRequest> = {}) =>
  AddEntryRequest.fromPartial({ author: 'Ada', text, ...extra });

describe('StoreService (in process, real Redis, real sockets)', () => {
  let redis: RedisServer;
  let running: RunningStore;
  let client: StoreServiceClient;

  const add = (request: AddEntryRequest) => call(client, client.addEntry, request);

  beforeAll(async () => {
    redis = await startRedis();
    running = await startStore(redis.url);
    client = running.client;
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.dispose();
  });
  beforeEach(() => running.redis.flushAll());

  it('AddEntry stores an entry and returns it with its id and creation time', async () => {
    const before = Date.now();
    const { entry: scored, created } = await add(entry(' Loved it ', { sentiment: positive }));
    const { entry: unscored } = await add(entry('No model'));
    expect(created).toBe(true);
    expect(scored).toMatchObject({ id: '1', author: 'Ada', text: 'Loved it', sentiment: positive });
    expect(scored?.createTime?.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(unscored).toMatchObject({ id: '2', sentiment: undefined });
  });

  it('ListEntries pages newest first until next_page_token is empty', async () => {
    for (let i = 1; i <= 7; i++) await add(entry(`n${i}`));
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await call(client, client.listEntries, { pageSize: 3, pageToken });
      seen.push(...page.entries.map((e) => e.text));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen).toEqual(['n7', 'n6', 'n5', 'n4', 'n3', 'n2', 'n1']);
    expect(pages).toBe(3);
  });

  it('ListEntries returns 20 entries when page_size is 0', async () => {
    await Promise.all(Array.from({ length: 21 }, (_, i) => add(entry(`e${i}`))));
    const page = await call(client, client.listEntries, { pageSize: 0, pageToken: '' });
    expect(page.entries).toHaveLength(20);
    expect(page.nextPageToken).not.toBe('');
  });

  it('GetStats counts entries by label; IncrementVisits counts visits', async () => {
    await add(entry('a', { sentiment: positive }));
    await add(
      entry('b', {
        sentiment: { label: SentimentLabel.SENTIMENT_LABEL_NEGATIVE, score: -0.5, model: 'v1' },
      }),
    );
    await add(entry('c'));
    await call(client, client.incrementVisits, {});
    expect(await call(client, client.incrementVisits, {})).toEqual({ visits: 2 });
    expect(await call(client, client.getStats, {})).toEqual({
      visits: 2,
      entries: 3,
      sentiment: { positive: 1, neutral: 0, negative: 1 },
    });
  });

  it('VisitPage counts a visit and returns the newest page in one call', async () => {
    for (let i = 1; i <= 4; i++) await add(entry(`v${i}`));
    await call(client, client.incrementVisits, {});
    const visit = await call(client, client.visitPage, { pageSize: 3 });
    expect(visit.visits).toBe(2);
    expect(visit.entries.map((e) => e.text)).toEqual(['v4', 'v3', 'v2']);
    const rest = await call(client, client.listEntries, {
      pageSize: 3,
      pageToken: visit.nextPageToken,
    });
    expect(rest.entries.map((e) => e.text)).toEqual(['v1']);
    expect((await call(client, client.getStats, {})).visits).toBe(2);
  });

  it('AddEntry with a used idempotency key returns the first entry and writes nothing', async () => {
    const first = await add(entry('once', { idempotencyKey: 'k-1' }));
    const again = await add(entry('twice', { idempotencyKey: 'k-1' }));
    expect(again).toEqual({ ...first, created: false });
    expect((await call(client, client.getStats, {})).entries).toBe(1);
  });

  it('creates exactly one entry for 50 concurrent AddEntry calls with one key', async () => {
    const results: AddEntryResponse[] = await Promise.all(
      Array.from({ length: 50 }, (_, i) => add(entry(`try ${i}`, { idempotencyKey: 'same-key' }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry?.id))).toEqual(new Set(['1']));
    expect((await call(client, client.getStats, {})).entries).toBe(1);
  });

  describe('rejects bad requests with INVALID_ARGUMENT naming the field', () => {
    it.each<[string, Partial<AddEntryRequest>, string[]]>([
      ['blank author', { author: '  ' }, ['author:REQUIRED']],
      ['long author', { author: 'a'.repeat(41) }, ['author:TOO_LONG']],
      ['empty text', { text: '' }, ['text:REQUIRED']],
      ['long text', { text: 'x'.repeat(281) }, ['text:TOO_LONG']],
      ['control characters', { text: 'bell\u0007' }, ['text:CONTROL_CHARACTERS']],
      [
        'unset label',
        { sentiment: { ...positive, label: SentimentLabel.SENTIMENT_LABEL_UNSPECIFIED } },
        ['sentiment.label:REQUIRED'],
      ],
      [
        'score out of range',
        { sentiment: { ...positive, score: 1.5 } },
        ['sentiment.score:OUT_OF_RANGE'],
      ],
      [
        'unknown model',
        { sentiment: { ...positive, model: 'v9' } },
        ['sentiment.model:UNKNOWN_MODEL'],
      ],
      [
        'several at once',
        { author: '', text: '', sentiment: { ...positive, score: -2 } },
        ['author:REQUIRED', 'text:REQUIRED', 'sentiment.score:OUT_OF_RANGE'],
      ],
    ])('AddEntry: %s', async (_name, patch, expected) => {
      const error = await failure(add(entry('fine', patch)));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      for (const violation of expected) expect(error.details).toContain(violation.split(':')[0]);
      const appError = fromGrpcError(error);
      expect(appError.code).toBe('VALIDATION_FAILED');
      expect(appError.details?.fields?.map((f) => `${f.field}:${f.code}`)).toEqual(expected);
      expect((await call(client, client.getStats, {})).entries).toBe(0);
    });

    it.each(['has space', 'x'.repeat(201), 'tab\there'])(
      'AddEntry: idempotency key %j',
      async (idempotencyKey) => {
        const error = await failure(add(entry('fine', { idempotencyKey })));
        expect([error.code, error.details]).toEqual([
          status.INVALID_ARGUMENT,
          'idempotency_key: Idempotency-Key must be 1-200 visible characters',
        ]);
        expect(fromGrpcError(error).code).toBe('INVALID_IDEMPOTENCY_KEY');
      },
    );

    it.each([-1, 101])('ListEntries: page_size %i', async (pageSize) => {
      const error = await failure(call(client, client.listEntries, { pageSize, pageToken: '' }));
      expect([error.code, error.details]).toEqual([
        status.INVALID_ARGUMENT,
        'page_size must be 0-100',
      ]);
      expect(fromGrpcError(error).details?.fields).toEqual([
        { field: 'page_size', code: 'OUT_OF_RANGE', message: 'page_size must be 0-100' },
      ]);
    });

    it.each([-1, 101])('VisitPage: page_size %i, counting no visit', async (pageSize) => {
      const error = await failure(call(client, client.visitPage, { pageSize }));
      expect([error.code, error.details]).toEqual([
        status.INVALID_ARGUMENT,
        'page_size must be 0-100',
      ]);
      expect((await call(client, client.getStats, {})).visits).toBe(0);
    });

    it.each(['bogus', 'djE6MA', 'djE6NQ=='])(
      'ListEntries: unknown page_token %j',
      async (pageToken) => {
        const error = await failure(call(client, client.listEntries, { pageSize: 5, pageToken }));
        expect([error.code, error.details]).toEqual([
          status.INVALID_ARGUMENT,
          'page_token: The cursor is not one this service issued',
        ]);
        expect(fromGrpcError(error).code).toBe('INVALID_CURSOR');
      },
    );
  });

  it('does not work on a request whose deadline has already passed', async () => {
    // A raw HTTP/2 gRPC call, because grpc-js clients give up locally before sending one.
    const body = Buffer.from(AddEntryRequest.encode(entry('too late')).finish());
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    const session = connect(`http://127.0.0.1:${running.port}`);
    try {
      const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': '/fig.store.v1.StoreService/AddEntry',
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': '1n',
        });
        stream.on('trailers', resolve);
        stream.on(
          'response',
          (headers) => headers['grpc-status'] !== undefined && resolve(headers),
        );
        stream.on('error', reject);
        stream.resume();
        stream.end(frame);
      });
      expect(trailers['grpc-status']).toBe(String(status.DEADLINE_EXCEEDED));
    } finally {
      session.close();
    }
    expect((await call(client, client.getStats, {})).entries).toBe(0);
  });

  it('refuses requests over the 64 KiB message limit with RESOURCE_EXHAUSTED', async () => {
    const error = await failure(add(entry('x'.repeat(70_000))));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect((await call(client, client.getStats, {})).entries).toBe(0);
  });

  it('counts every RPC by method and code, with latency histograms, for /metrics', async () => {
    await add(entry('counted'));
    await failure(add(entry('')));
    const text = await running.registry.metrics();
    expect(text).toMatch(
      /grpc_server_handled_total\{[^}]*grpc_method="AddEntry",grpc_code="OK"\} [1-9]/,
    );
    expect(text).toMatch(
      /grpc_server_handled_total\{[^}]*grpc_method="AddEntry",grpc_code="INVALID_ARGUMENT"\} [1-9]/,
    );
    expect(text).toMatch(
      /grpc_server_handling_seconds_bucket\{le="0.1",[^}]*grpc_method="AddEntry"/,
    );
  });

  it('serves entries the monolith wrote, and the monolith reads those it writes', async () => {
    const monolith = new RedisGuestbook(running.redis);
    const { entry: written } = await monolith.addEntry(
      { author: 'Mono', text: 'from the monolith' },
      null,
    );
    await add(entry('from store-svc', { sentiment: positive }));
    const page = await call(client, client.listEntries, { pageSize: 5, pageToken: '' });
    expect(page.entries.map((e) => [e.id, e.text])).toEqual([
      ['2', 'from store-svc'],
      ['1', 'from the monolith'],
    ]);
    expect(page.entries[1]?.createTime?.toISOString()).toBe(written.createdAt);
    expect((await monolith.listEntries({ limit: 5 })).entries[0]).toMatchObject({
      id: '2',
      sentiment: { label: 'positive', score: 0.75, model: 'v2' },
    });
  });
});
