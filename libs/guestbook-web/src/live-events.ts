import type { Request, RequestHandler, Response } from 'express';
import type { Entry } from '@fig/guestbook';
import { eventFrame, eventStreams } from '@fig/live-page';

/**
 * What a live page is told: a new entry, or "you may have missed some, fetch
 * the list again" (after the service lost and regained its own feed).
 */
export type LiveEvent = { type: 'entry'; entry: Entry } | { type: 'resync' };

/** A source of live events that any number of pages can listen to. */
export interface LiveFeed {
  /** Returns the function that stops listening. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

export interface LiveEventsOptions {
  feed: LiveFeed;
  /** Comment lines this often keep idle proxies and load balancers from cutting the stream. */
  heartbeatMs?: number;
  /** How long the browser waits before reconnecting a dropped stream (the SSE `retry` field). */
  retryMs?: number;
  /** A client that lets this much output pile up is too slow; it is dropped and will reconnect. */
  maxBufferedBytes?: number;
}

export interface LiveEvents {
  handler: RequestHandler;
  /** Streams currently open. */
  size(): number;
  /** Ends every open stream, e.g. while draining, so browsers reconnect to another instance. */
  closeAll(): void;
}

function frame(event: LiveEvent): string {
  if (event.type === 'resync') return eventFrame('resync', {});
  return eventFrame('entry', event.entry, event.entry.id);
}

/**
 * Server-sent events for new guestbook entries (the page's live updates):
 * each stream listens to the feed from the moment it opens.
 */
export function liveEvents({
  feed,
  heartbeatMs,
  retryMs,
  maxBufferedBytes = 256 * 1024,
}: LiveEventsOptions): LiveEvents {
  const streams = eventStreams({ heartbeatMs, retryMs, maxBufferedBytes });

  const handler: RequestHandler = (req: Request, res: Response) => {
    streams.open(res);
    const unsubscribe = feed.subscribe((event) => streams.send(res, frame(event)));
    streams.hold(req, res, unsubscribe);
  };

  return { handler, size: streams.size, closeAll: streams.closeAll };
}
