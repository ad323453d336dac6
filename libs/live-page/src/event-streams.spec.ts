import { createServer } from 'node:http';
import { connect } from 'node:net';
import express from 'express';
import { listenOnLoopback, openEventStream, waitFor, type LoopbackServer } from '@fig/testing';
import { eventFrame, eventStreams, type EventStreams } from './event-streams';

describe('eventStreams (server-sent events)', () => {
  let server: LoopbackServer;
  let streams: EventStreams;
  // Per test: a stream of the test before may be forgotten only after it ends.
  let gone: { count: number };

  beforeEach(async () => {
    const thisTest = (gone = { count: 0 });
    streams = eventStreams({ retryMs: 750, heartbeatMs: 20, maxBufferedBytes: 64 * 1024 });
    const app = express().get('/events', (req, res) => {
      streams.open(res);
      streams.send(res, eventFrame('hello', { n: 0 }));
      streams.hold(req, res, () => thisTest.count++);
    });
    server = await listenOnLoopback(createServer(app));
  });
  afterEach(() => server.close());

  it('opens with the stream headers and the retry field, then what it was sent', async () => {
    const stream = await openEventStream(`${server.url}/events`);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(stream.res.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.res.headers.get('connection')).toBe('close');
    expect(await stream.next()).toBe('retry: 750\n: connected');
    expect(await stream.next()).toBe('event: hello\ndata: {"n":0}');
    stream.close();
  });

  it('broadcasts to every held stream and keeps idle ones alive with comment lines', async () => {
    const all = [
      await openEventStream(`${server.url}/events`),
      await openEventStream(`${server.url}/events`),
    ];
    // Past the retry field and the hello each stream was sent.
    for (const s of all) {
      await s.next();
      await s.next();
    }
    await waitFor(() => streams.size() === 2, { what: 'both streams held' });
    expect(await all[0]!.next()).toBe(': ping');
    streams.broadcast(eventFrame('news', { n: 1 }, '7'));
    for (const s of all) {
      let frame = await s.next();
      while (frame === ': ping') frame = await s.next();
      expect(frame).toBe('id: 7\nevent: news\ndata: {"n":1}');
      s.close();
    }
  });

  it('forgets a stream, once, when its browser goes away', async () => {
    const stream = await openEventStream(`${server.url}/events`);
    await stream.next();
    await waitFor(() => streams.size() === 1, { what: 'the stream held' });
    stream.close();
    await waitFor(() => streams.size() === 0, { what: 'the stream forgotten' });
    expect(gone.count).toBe(1);
  });

  it('does not hold a stream whose browser left before it was held', async () => {
    let release!: () => void;
    const ready = new Promise<void>((resolve) => (release = resolve));
    let left!: () => void;
    const gone = new Promise<void>((resolve) => (left = resolve));
    let forgotten = 0;
    const app = express().get('/late', async (req, res) => {
      res.once('close', left);
      streams.open(res);
      await ready; // a first document still being built
      streams.hold(req, res, () => forgotten++);
    });
    const late = await listenOnLoopback(createServer(app));
    const stream = await openEventStream(`${late.url}/late`);
    await stream.next();
    stream.close();
    await gone;
    release();
    await waitFor(() => forgotten === 1, { what: 'the late stream forgotten' });
    expect(streams.size()).toBe(0);
    await late.close();
  });

  it('ends every held stream on closeAll, as a draining instance must', async () => {
    const all = [
      await openEventStream(`${server.url}/events`),
      await openEventStream(`${server.url}/events`),
    ];
    for (const s of all) await s.next();
    await waitFor(() => streams.size() === 2, { what: 'both streams held' });
    streams.closeAll();
    for (const s of all) {
      let frame = await s.next();
      while (frame !== null) frame = await s.next();
    }
    await waitFor(() => gone.count === 2, { what: 'both streams forgotten' });
    expect(streams.size()).toBe(0);
  });

  it('drops a reader that stops reading once its backlog passes the limit', async () => {
    // A raw socket that never reads: the kernel's buffers fill, then Node's.
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET /events HTTP/1.1\r\nHost: test\r\n\r\n');
    socket.pause();
    await waitFor(() => streams.size() === 1, { what: 'the stream held' });
    const big = eventFrame('big', 'x'.repeat(256 * 1024));
    await waitFor(
      () => {
        streams.broadcast(big);
        return streams.size() === 0;
      },
      { what: 'the slow reader dropped' },
    );
    expect(gone.count).toBe(1);
    socket.destroy();
  });
});

describe('eventFrame', () => {
  it('holds any value on one data line, with an id when given', () => {
    expect(eventFrame('entry', { text: 'two\nlines' }, '42')).toBe(
      'id: 42\nevent: entry\ndata: {"text":"two\\nlines"}\n\n',
    );
    expect(eventFrame('resync', {})).toBe('event: resync\ndata: {}\n\n');
  });
});
