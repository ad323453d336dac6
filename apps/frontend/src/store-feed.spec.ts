import pino from 'pino';
import type { Entry } from '@fig/guestbook';
import type { LiveEvent } from '@fig/guestbook-web';
import { waitFor } from '@fig/testing';
import { StoreFeed } from './store-feed';

const logger = pino({ level: 'silent' });
const entry = (id: string): Entry => ({
  id,
  author: 'Ada',
  text: `entry ${id}`,
  sentiment: null,
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** A stand-in for store-client's WatchEntries: each call is one stream the test drives. */
function scriptedWatch() {
  const streams: { push(e: Entry): void; fail(err: Error): void; signal: AbortSignal }[] = [];
  const watch = (signal: AbortSignal): AsyncIterable<Entry> => {
    const queue: (Entry | Error)[] = [];
    let wake: (() => void) | undefined;
    const nudge = () => wake?.();
    signal.addEventListener('abort', nudge);
    streams.push({
      push: (e) => (queue.push(e), nudge()),
      fail: (err) => (queue.push(err), nudge()),
      signal,
    });
    return (async function* () {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next instanceof Error) throw next;
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    })();
  };
  return { watch, streams };
}

describe('StoreFeed (one WatchEntries stream fanned out to every page)', () => {
  it('opens one stream for many listeners and delivers each entry to all of them', async () => {
    const { watch, streams } = scriptedWatch();
    const feed = new StoreFeed({ watch, logger });
    const a: LiveEvent[] = [];
    const b: LiveEvent[] = [];
    const offA = feed.subscribe((e) => a.push(e));
    const offB = feed.subscribe((e) => b.push(e));
    await waitFor(() => streams.length === 1);
    streams[0]!.push(entry('1'));
    await waitFor(() => a.length === 1 && b.length === 1);
    expect(a).toEqual([{ type: 'entry', entry: entry('1') }]);
    expect(streams).toHaveLength(1);
    offA();
    offB();
  });

  it('closes the stream when the last listener leaves', async () => {
    const { watch, streams } = scriptedWatch();
    const feed = new StoreFeed({ watch, logger });
    const off = feed.subscribe(() => undefined);
    await waitFor(() => streams.length === 1);
    off();
    expect(streams[0]!.signal.aborted).toBe(true);
  });

  it('reopens a broken stream and tells listeners to resync before new entries', async () => {
    const { watch, streams } = scriptedWatch();
    const feed = new StoreFeed({ watch, logger, retryMs: 10 });
    const events: LiveEvent[] = [];
    const off = feed.subscribe((e) => events.push(e));
    await waitFor(() => streams.length === 1);
    streams[0]!.fail(new Error('UNAVAILABLE: store-svc restarted'));
    await waitFor(() => streams.length === 2, { what: 'the stream to be reopened' });
    streams[1]!.push(entry('2'));
    await waitFor(() => events.length === 2);
    expect(events).toEqual([{ type: 'resync' }, { type: 'entry', entry: entry('2') }]);
    off();
  });
});
