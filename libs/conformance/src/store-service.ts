import { credentials, status } from '@grpc/grpc-js';
import {
  fromGrpcError,
  SentimentLabel,
  StoreServiceClient,
  storeServiceName,
  type Entry,
  type WatchEntriesResponse,
} from '@fig/proto';
import { call, failure, healthStatus } from './grpc';

const unique = (what: string) => `${what} ${Date.now()}-${Math.random().toString(36).slice(2)}`;

/**
 * What any fig.store.v1.StoreService must do, whatever its language, against
 * a store it shares with nobody else during the run. `target()` is read in
 * beforeAll, so the caller's own beforeAll may start the implementation.
 */
export function describeStoreServiceConformance(implementation: string, target: () => string) {
  describe(`StoreService conformance: ${implementation}`, () => {
    let client: StoreServiceClient;
    const add = (text: string, extra: object = {}) =>
      call(client, client.addEntry, {
        author: 'Ada',
        text,
        sentiment: undefined,
        idempotencyKey: '',
        ...extra,
      });
    const list = (pageSize = 0, pageToken = '') =>
      call(client, client.listEntries, { pageSize, pageToken });
    const stats = () => call(client, client.getStats, {});

    beforeAll(() => {
      client = new StoreServiceClient(target(), credentials.createInsecure());
    });
    afterAll(() => client?.close());

    it('adds an entry, trimmed, and lists it first (newest first)', async () => {
      const text = unique('hello');
      const { entry, created } = await add(`  ${text} `, {
        sentiment: { label: SentimentLabel.SENTIMENT_LABEL_POSITIVE, score: 0.5, model: 'v2' },
      });
      expect(created).toBe(true);
      expect(entry).toMatchObject({ author: 'Ada', text });
      expect(entry?.id).not.toBe('');
      expect(entry?.createTime).toBeInstanceOf(Date);
      expect(entry?.sentiment).toEqual({
        label: SentimentLabel.SENTIMENT_LABEL_POSITIVE,
        score: 0.5,
        model: 'v2',
      });
      expect((await list(1)).entries[0]).toEqual(entry);
    });

    it('writes once per idempotency key and returns the first entry on a repeat', async () => {
      const key = unique('key').replace(/\s/g, '-');
      const first = await add(unique('once'), { idempotencyKey: key });
      const again = await add(unique('twice'), { idempotencyKey: key });
      expect(again.created).toBe(false);
      expect(again.entry).toEqual(first.entry);
    });

    it('rejects a bad entry with INVALID_ARGUMENT naming every bad field', async () => {
      const error = await failure(
        call(client, client.addEntry, {
          author: ' ',
          text: 'x'.repeat(281),
          sentiment: { label: SentimentLabel.SENTIMENT_LABEL_POSITIVE, score: 2, model: 'v9' },
          idempotencyKey: '',
        }),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      const app = fromGrpcError(error);
      expect(app.code).toBe('VALIDATION_FAILED');
      expect(app.details?.fields?.map((f) => [f.field, f.code])).toEqual([
        ['author', 'REQUIRED'],
        ['text', 'TOO_LONG'],
        ['sentiment.score', 'OUT_OF_RANGE'],
        ['sentiment.model', 'UNKNOWN_MODEL'],
      ]);
    });

    it('pages with next_page_token and rejects a page_size or token it did not issue', async () => {
      await add(unique('page a'));
      await add(unique('page b'));
      const first = await list(1);
      expect(first.entries).toHaveLength(1);
      expect(first.nextPageToken).not.toBe('');
      const second = await list(1, first.nextPageToken);
      expect(second.entries[0]?.id).not.toBe(first.entries[0]?.id);
      expect((await failure(list(101))).code).toBe(status.INVALID_ARGUMENT);
      const badToken = fromGrpcError(await failure(list(1, 'not-a-token')));
      expect(badToken.code).toBe('INVALID_CURSOR');
    });

    it('counts entries by label (unscored in none) and visits one at a time', async () => {
      const before = await stats();
      await add(unique('unscored'));
      await add(unique('sad'), {
        sentiment: { label: SentimentLabel.SENTIMENT_LABEL_NEGATIVE, score: -0.5, model: 'v1' },
      });
      const { visits } = await call(client, client.incrementVisits, {});
      const after = await stats();
      expect(after.entries - before.entries).toBe(2);
      expect(after.sentiment!.negative - before.sentiment!.negative).toBe(1);
      expect(after.sentiment!.positive).toBe(before.sentiment!.positive);
      expect(after.sentiment!.neutral).toBe(before.sentiment!.neutral);
      expect(visits).toBe(before.visits + 1);
      expect(after.visits).toBe(visits);
    });

    it('streams an entry written after WatchEntries starts', async () => {
      const stream = client.watchEntries({}, { deadline: Date.now() + 10_000 });
      const text = unique('watched');
      const seen = new Promise<Entry | undefined>((resolve, reject) => {
        stream.on('data', (message: WatchEntriesResponse) => {
          if (message.entry?.text === text) resolve(message.entry);
        });
        stream.on('error', reject);
      });
      // The subscription is not acknowledged, so write until the stream sees it.
      let written: Entry | undefined;
      const writer = setInterval(() => {
        if (!written) void add(text).then((r) => (written = r.entry));
      }, 200);
      try {
        expect((await seen)?.text).toBe(text);
      } finally {
        clearInterval(writer);
        stream.cancel();
      }
    });

    it('reports SERVING through grpc.health.v1 for the server and for StoreService', async () => {
      expect(await healthStatus(target(), '')).toBe('SERVING');
      expect(await healthStatus(target(), storeServiceName)).toBe('SERVING');
    });
  });
}
