import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '@fig/logging';
import { viewPatch } from './diff';
import type { LiveView } from './view';

export interface LiveHubOptions {
  /** Reads every source once and returns the page's document. */
  build: () => Promise<LiveView>;
  intervalMs: number;
  logger: Logger;
  /** Comment lines this often keep idle proxies from cutting the stream. */
  heartbeatMs?: number;
  /** How long the browser waits before reconnecting (the SSE `retry` field). */
  retryMs?: number;
  /** A browser that lets this much output pile up is too slow: dropped, it reconnects for a fresh snapshot. */
  maxBufferedBytes?: number;
  /** Called after each build, with the number of open streams (metrics). */
  onTick?: (streams: number) => void;
}

/**
 * One poller, many browsers: the sources are read once per interval however
 * many pages are open (no polling storm on the gateway), and each open
 * stream gets the whole document once, then only JSON Patches. A stream's
 * patches always apply to what that stream was sent, since both come from
 * the same sequence of documents in order.
 */
export class LiveHub {
  private current: LiveView | undefined;
  private readonly streams = new Set<Response>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private firstBuild: Promise<void> | undefined;

  constructor(private readonly options: LiveHubOptions) {}

  /** Builds the first document (resolving when it exists), then one every interval. */
  start(): Promise<void> {
    this.firstBuild ??= this.tick();
    return this.firstBuild;
  }

  /** The latest document: what a new stream starts from, and what ops and tests can read. */
  latest(): LiveView | undefined {
    return this.current;
  }

  size(): number {
    return this.streams.size;
  }

  /** Stops polling and ends every stream (shutdown: browsers reconnect elsewhere). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.closeAll();
  }

  closeAll() {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  readonly handler: RequestHandler = async (req: Request, res: Response) => {
    const { heartbeatMs = 15_000, retryMs = 1_000 } = this.options;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'close',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n: connected\n\n`);
    await this.start();
    if (res.writableEnded || this.stopped) return res.end();
    res.write(frame('snapshot', this.current));
    this.streams.add(res);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      this.streams.delete(res);
    };
    req.once('close', cleanup);
    res.once('close', cleanup);
  };

  private async tick(): Promise<void> {
    const { build, intervalMs, logger, onTick, maxBufferedBytes = 1024 * 1024 } = this.options;
    try {
      const next = await build();
      const patch = this.current ? viewPatch(this.current, next) : null;
      this.current = next;
      if (patch) {
        const text = frame('patch', patch);
        for (const res of this.streams) {
          if (res.writableLength > maxBufferedBytes) res.end();
          else res.write(text);
        }
      }
    } catch (err) {
      // build() reports source failures inside the document; reaching here is a bug.
      logger.error({ err }, 'live view could not be built');
    }
    onTick?.(this.streams.size);
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), intervalMs);
      this.timer.unref();
    }
  }
}

/** JSON.stringify never emits a raw newline, so one data line always holds the event. */
function frame(event: 'snapshot' | 'patch', data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
