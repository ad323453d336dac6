import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Script } from 'node:vm';
import express from 'express';
import type { Entry } from '@fig/guestbook';
import { openEventStream, waitFor } from '@fig/testing';
import { liveEvents, type LiveEvent, type LiveEvents, type LiveFeed } from './live-events';
import { liveScriptSource } from './live-script';

/** A feed the test pushes events into by hand. */
function manualFeed() {
  const listeners = new Set<(event: LiveEvent) => void>();
  const feed: LiveFeed = {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { feed, listeners, push: (event: LiveEvent) => listeners.forEach((l) => l(event)) };
}

const entry: Entry = {
  id: '42',
  author: 'Ada',
  text: 'line one </script> "quoted"',
  sentiment: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('liveEvents (server-sent events)', () => {
  let server: Server;
  let url: string;
  let live: LiveEvents;
  let feed: ReturnType<typeof manualFeed>;

  beforeEach(async () => {
    feed = manualFeed();
    live = liveEvents({ feed: feed.feed, retryMs: 750 });
    const app = express();
    app.get('/live', live.handler);
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/live`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('opens an event stream that tells the browser how soon to reconnect', async () => {
    const stream = await openEventStream(url);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(await stream.next()).toBe('retry: 750\n: connected');
    stream.close();
  });

  it('sends each new entry as an `entry` event with its id, and resync requests', async () => {
    const stream = await openEventStream(url);
    await stream.next();
    feed.push({ type: 'entry', entry });
    feed.push({ type: 'resync' });
    expect(await stream.next()).toBe(`id: 42\nevent: entry\ndata: ${JSON.stringify(entry)}`);
    expect(await stream.next()).toBe('event: resync\ndata: {}');
    stream.close();
  });

  it('stops listening to the feed when the browser goes away', async () => {
    const stream = await openEventStream(url);
    await stream.next();
    expect(feed.listeners.size).toBe(1);
    stream.close();
    await waitFor(() => feed.listeners.size === 0 && live.size() === 0, {
      what: 'the listener to be removed',
    });
  });

  it('ends every open stream on closeAll, as a draining instance must', async () => {
    const streams = [await openEventStream(url), await openEventStream(url)];
    await Promise.all(streams.map((s) => s.next()));
    expect(live.size()).toBe(2);
    live.closeAll();
    expect(await Promise.all(streams.map((s) => s.next()))).toEqual([null, null]);
    expect(feed.listeners.size).toBe(0);
  });
});

describe('the live page script', () => {
  it('is valid JavaScript with no inline-script requirement', () => {
    expect(() => new Script(liveScriptSource)).not.toThrow();
    // Entries must never be parsed as markup.
    expect(liveScriptSource).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
  });
});
