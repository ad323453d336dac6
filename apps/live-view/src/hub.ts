import type { Request, RequestHandler, Response } from 'express';
import { eventFrame, eventStreams, type EventStreams } from '@fig/live-page';
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
  private readonly streams: EventStreams;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private firstBuild: Promise<void> | undefined;

  constructor(private readonly options: LiveHubOptions) {
    const { heartbeatMs, retryMs, maxBufferedBytes = 1024 * 1024 } = options;
    this.streams = eventStreams({ heartbeatMs, retryMs, maxBufferedBytes });
  }

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
    return this.streams.size();
  }

  /** Stops polling and ends every stream (shutdown: browsers reconnect elsewhere). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.streams.closeAll();
  }

  readonly handler: RequestHandler = async (req: Request, res: Response) => {
    this.streams.open(res);
    await this.start();
    if (res.writableEnded || this.stopped) return res.end();
    // Held only once its snapshot is written, so every patch it gets applies to it.
    this.streams.send(res, eventFrame('snapshot', this.current));
    this.streams.hold(req, res);
  };

  private async tick(): Promise<void> {
    const { build, intervalMs, logger, onTick } = this.options;
    try {
      const next = await build();
      const patch = this.current ? viewPatch(this.current, next) : null;
      this.current = next;
      if (patch) this.streams.broadcast(eventFrame('patch', patch));
    } catch (err) {
      // build() reports source failures inside the document; reaching here is a bug.
      logger.error({ err }, 'live view could not be built');
    }
    onTick?.(this.streams.size());
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), intervalMs);
      this.timer.unref();
    }
  }
}
