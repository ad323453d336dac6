import type { Request, Response } from 'express';

export interface EventStreamsOptions {
  /** Comment lines this often keep idle proxies and load balancers from cutting a stream. */
  heartbeatMs?: number;
  /** How long the browser waits before reconnecting a dropped stream (the SSE `retry` field). */
  retryMs?: number;
  /** A reader that lets this much output pile up is too slow: dropped, it reconnects afresh. */
  maxBufferedBytes: number;
}

/**
 * The open server-sent event streams of one page's endpoint. Opening a stream
 * and holding it are two steps so that a server can write a stream its first
 * event (a snapshot) before any broadcast reaches it.
 */
export interface EventStreams {
  /** Answers with the event-stream headers and the `retry` field. */
  open(res: Response): void;
  /**
   * Keeps an opened stream until the browser leaves or closeAll: heartbeats,
   * broadcasts, counted by size(). `onClose` runs once it has gone.
   */
  hold(req: Request, res: Response, onClose?: () => void): void;
  /** Writes a frame to one stream, or ends the stream if its reader has fallen behind. */
  send(res: Response, frame: string): void;
  /** Sends a frame to every held stream. */
  broadcast(frame: string): void;
  size(): number;
  /** Ends every held stream, e.g. while draining, so browsers reconnect to another instance. */
  closeAll(): void;
}

/**
 * SSE rather than WebSockets: one-way is all a live page needs, it passes
 * through every HTTP proxy, and the browser reconnects on its own.
 */
export function eventStreams({
  heartbeatMs = 15_000,
  retryMs = 1_000,
  maxBufferedBytes,
}: EventStreamsOptions): EventStreams {
  const held = new Set<Response>();

  const send = (res: Response, frame: string) => {
    // Destroyed, not ended: end() would wait to flush a backlog nobody reads,
    // keeping it in memory, and the stream's next heartbeat, a write after
    // end, would be an unhandled error that stops the process.
    if (res.writableLength > maxBufferedBytes) res.destroy();
    else res.write(frame);
  };

  return {
    open(res) {
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
    },
    hold(req, res, onClose) {
      // Gone while the server prepared its first event: its `close` has passed.
      if (res.destroyed) return onClose?.();
      held.add(res);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
      heartbeat.unref();
      let closed = false;
      const cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        held.delete(res);
        onClose?.();
      };
      req.once('close', cleanup);
      res.once('close', cleanup);
    },
    send,
    broadcast(frame) {
      for (const res of held) send(res, frame);
    },
    size: () => held.size,
    closeAll() {
      for (const res of held) res.end();
    },
  };
}

/** One event; JSON.stringify never emits a raw newline, so one data line always holds it. */
export function eventFrame(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
