import { setTimeout as sleep } from 'node:timers/promises';
import type { Entry } from '@fig/guestbook';
import type { LiveEvent, LiveFeed } from '@fig/guestbook-web';
import type { Logger } from '@fig/logging';

/** Opens one WatchEntries stream; it ends (or throws) when the store goes away. */
export type WatchEntries = (signal: AbortSignal) => AsyncIterable<Entry>;

export interface StoreFeedOptions {
  watch: WatchEntries;
  logger: Logger;
  /** First reconnect delay; doubles on each failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * Fans one WatchEntries stream out to every open page, so a thousand viewers
 * cost store-svc one stream per frontend replica, not a thousand. The stream
 * is opened with the first listener and closed with the last. When it breaks
 * (a store-svc restart) it is reopened with backoff, and pages are told to
 * resync, since entries written in the gap were never streamed.
 */
export class StoreFeed implements LiveFeed {
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private controller: AbortController | undefined;

  constructor(private readonly options: StoreFeedOptions) {}

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.controller) {
      this.controller = new AbortController();
      void this.follow(this.controller.signal);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Closes the upstream stream (at shutdown, or when nobody is listening). */
  close() {
    this.controller?.abort();
    this.controller = undefined;
  }

  private emit(event: LiveEvent) {
    for (const listener of this.listeners) listener(event);
  }

  private async follow(signal: AbortSignal) {
    const { watch, logger, retryMs = 250, maxRetryMs = 5_000 } = this.options;
    let delay = retryMs;
    let reconnecting = false;
    while (!signal.aborted) {
      try {
        const entries = watch(signal);
        if (reconnecting) this.emit({ type: 'resync' });
        for await (const entry of entries) {
          delay = retryMs;
          this.emit({ type: 'entry', entry });
        }
        if (!signal.aborted) logger.info('store-svc ended WatchEntries; reopening');
      } catch (err) {
        if (signal.aborted) return;
        logger.warn({ err, retryInMs: delay }, 'WatchEntries failed; reopening');
      }
      reconnecting = true;
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, maxRetryMs);
    }
  }
}
