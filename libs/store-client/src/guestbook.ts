import { randomUUID } from 'node:crypto';
import {
  Metadata,
  status,
  type CallOptions,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
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
import {
  entryFromProto,
  fromGrpcError,
  pageFromProto,
  sentimentToProto,
  statsFromProto,
  type StoreServiceClient,
} from '@fig/proto';
import type { Sentiment } from '@fig/sentiment';

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * Starts a call without the caller's stack that grpc-js captures for every
 * call (`new Error()`, ten frames), only to append it to a failed call's
 * error: the frames are grpc-js's and OpenTelemetry's own, and capturing them
 * costs more than the rest of the call's start. A failed call still says what
 * failed; Fig's error log has the request it failed for.
 */
function withoutCallerStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A call that failed UNAVAILABLE: the connection went, whatever the store did with it. */
const lostReply = (err: Error) =>
  (err.cause as ServiceError | undefined)?.code === status.UNAVAILABLE;

export interface GrpcGuestbookOptions {
  /** Per-call deadline; defaults to the channel's service config (2 s). */
  deadlineMs?: number;
}

/**
 * The guestbook over gRPC: what the frontend passes to createGuestbookApp in
 * place of the monolith's RedisGuestbook. Failures come back as the same
 * AppErrors (code, message, fields) RedisGuestbook raises, so the HTTP
 * answers are identical.
 */
export class GrpcGuestbook implements GuestbookStore {
  constructor(
    private readonly client: StoreServiceClient,
    private readonly options: GrpcGuestbookOptions = {},
  ) {}

  async addEntry(
    entry: NewEntry,
    sentiment: Sentiment | null,
    idempotencyKey?: string,
  ): Promise<AddResult> {
    // A write always carries a key, so the client may ask again when a reply
    // is lost to a replica leaving (createStoreClient). A key we made is ours
    // alone: if the store has seen it, it saw our first attempt, and the
    // entry was created by this call.
    const minted = idempotencyKey === undefined;
    const response = await this.call(this.client.addEntry, {
      author: entry.author,
      text: entry.text,
      sentiment: sentimentToProto(sentiment),
      idempotencyKey: idempotencyKey ?? `fig-write-${randomUUID()}`,
    });
    return { entry: entryFromProto(response.entry), created: response.created || minted };
  }

  async listEntries({ limit, cursor }: ListOptions): Promise<Page> {
    return pageFromProto(
      await this.call(this.client.listEntries, { pageSize: limit, pageToken: cursor ?? '' }),
    );
  }

  async getStats(): Promise<Stats> {
    return statsFromProto(await this.call(this.client.getStats, {}));
  }

  async incrementVisits(): Promise<number> {
    return (await this.call(this.client.incrementVisits, {})).visits;
  }

  /**
   * The page in one round trip. When the replica is lost mid-call
   * (UNAVAILABLE), the visit may or may not have been counted, and VisitPage
   * is not safe to repeat; the page is then built from two reads, which are:
   * the reader still gets the page, and a visit is never counted twice.
   */
  async visitPage(limit: number): Promise<PageVisit> {
    try {
      const { visits, ...page } = await this.call(this.client.visitPage, { pageSize: limit });
      return { visits, ...pageFromProto(page) };
    } catch (err) {
      if (!lostReply(err as Error)) throw err;
      const [page, stats] = await Promise.all([this.listEntries({ limit }), this.getStats()]);
      return { visits: stats.visits, ...page };
    }
  }

  /** New entries as they are written, until `signal` aborts or the server ends the stream. */
  async *watchEntries(signal?: AbortSignal): AsyncGenerator<Entry> {
    const stream = this.client.watchEntries({});
    const cancel = () => stream.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const response of stream) yield entryFromProto(response.entry);
    } catch (err) {
      if (!signal?.aborted) throw fromGrpcError(err as ServiceError);
    } finally {
      signal?.removeEventListener('abort', cancel);
      stream.cancel();
    }
  }

  private call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    const { deadlineMs } = this.options;
    const options: Partial<CallOptions> = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    return new Promise((resolve, reject) => {
      withoutCallerStack(() =>
        method.call(this.client, request, new Metadata(), options, (err, response) =>
          err ? reject(fromGrpcError(err)) : resolve(response),
        ),
      );
    });
  }
}
