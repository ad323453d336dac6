import { Metadata, type ServerWritableStream } from '@grpc/grpc-js';
import type { Entry } from '@fig/guestbook';
import { keys } from '@fig/guestbook-redis';
import type { RedisClient } from '@fig/redis';
import type { Logger } from '@fig/logging';
import { entryToProto, type WatchEntriesRequest, type WatchEntriesResponse } from '@fig/proto';

type Watcher = ServerWritableStream<WatchEntriesRequest, WatchEntriesResponse>;

/**
 * Live entries for WatchEntries. The add script PUBLISHes every new entry on
 * the guestbook's events channel, whoever wrote it (any replica, or the
 * monolith), so one subscription per replica reaches every watcher of every
 * replica. Entries published while Redis is away are not replayed: watchers
 * list to catch up after reconnecting.
 */
export class EntryFeed {
  private readonly watchers = new Set<Watcher>();
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly logger: Logger,
  ) {}

  /** Subscribes once the connection is up; the client resubscribes after reconnects. */
  async start(): Promise<void> {
    if (!this.subscriber.isOpen) await this.subscriber.connect();
    await this.subscriber.subscribe(keys.events, (message) => this.publish(message));
  }

  get size(): number {
    return this.watchers.size;
  }

  add(call: Watcher): void {
    if (this.closed) {
      call.end();
      return;
    }
    this.watchers.add(call);
    // Headers now tell the client it is subscribed (nothing else would until an entry).
    call.sendMetadata(new Metadata());
    const remove = () => this.watchers.delete(call);
    call.once('cancelled', remove);
    call.once('finish', remove);
    call.once('error', remove);
  }

  /** Ends every stream with OK, so clients reconnect to a replica that is staying. */
  close(): void {
    this.closed = true;
    for (const call of this.watchers) call.end();
    this.watchers.clear();
  }

  private publish(message: string) {
    let entry: Entry;
    try {
      entry = JSON.parse(message) as Entry;
    } catch (err) {
      this.logger.error({ err }, 'unreadable entry event; not forwarded');
      return;
    }
    const response = { entry: entryToProto(entry) };
    for (const call of this.watchers) call.write(response);
  }
}
