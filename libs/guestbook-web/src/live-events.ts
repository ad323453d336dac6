import type { Request, RequestHandler, Response } from 'express';
import type { Entry } from '@fig/guestbook';

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
  if (event.type === 'resync') return 'event: resync\ndata: {}\n\n';
  // JSON.stringify never emits a raw newline, so one data line is always enough.
  return `id: ${event.entry.id}\nevent: entry\ndata: ${JSON.stringify(event.entry)}\n\n`;
}

/**
 * Server-sent events for new guestbook entries (the page's live updates). SSE
 * rather than WebSockets: one-way is all the page needs, it passes through
 * every HTTP proxy, and the browser reconnects on its own.
 */
export function liveEvents({
  feed,
  heartbeatMs = 15_000,
  retryMs = 1_000,
  maxBufferedBytes = 256 * 1024,
}: LiveEventsOptions): LiveEvents {
  const open = new Set<Response>();

  const handler: RequestHandler = (req: Request, res: Response) => {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // Stops nginx-style proxies from buffering the stream.
      'X-Accel-Buffering': 'no',
      // A stream holds its connection for its whole life anyway; closing it
      // when the stream ends lets a draining server finish without waiting
      // for the keep-alive timeout.
      Connection: 'close',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n: connected\n\n`);
    open.add(res);

    const send = (event: LiveEvent) => {
      if (res.writableLength > maxBufferedBytes) return res.end();
      res.write(frame(event));
    };
    const unsubscribe = feed.subscribe(send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();

    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  };

  return {
    handler,
    size: () => open.size,
    closeAll() {
      for (const res of open) res.end();
    },
  };
}
