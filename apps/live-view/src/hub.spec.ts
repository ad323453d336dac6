import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger } from '@fig/logging';
import { LiveHub } from './hub';
import type { LiveView } from './view';

const view = (n: number): LiveView => ({
  stage: 'stage-1-facade',
  windowSeconds: n,
  gateway: null,
  migrations: null,
  cluster: null,
  problems: [],
});

describe('LiveHub', () => {
  let server: Server;
  let hub: LiveHub;
  let builds = 0;

  beforeEach(async () => {
    builds = 0;
    hub = new LiveHub({
      build: async () => view(++builds),
      intervalMs: 50,
      logger: createLogger({ service: 'test', version: 'v1', pod: 't', level: 'silent' }),
    });
    const app = express().get('/events', hub.handler);
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(async () => {
    hub.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;

  /** Reads a stream until `frames` events have arrived; returns their text. */
  async function read(frames: number): Promise<string> {
    const res = await fetch(url());
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/^event: /gm) ?? []).length < frames) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    return text;
  }

  it('builds the document once per interval however many browsers watch', async () => {
    const slow = new LiveHub({
      build: async () => view(++builds),
      // One interval longer than the test: every stream must be served by the first build.
      intervalMs: 60_000,
      logger: createLogger({ service: 'test', version: 'v1', pod: 't', level: 'silent' }),
    });
    const app = express().get('/events', slow.handler);
    const s = createServer(app).listen(0, '127.0.0.1');
    await once(s, 'listening');
    const texts = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/events`);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = '';
        while (!text.includes('event: snapshot')) text += (await reader.read()).value ?? '';
        await reader.cancel();
        return text;
      }),
    );
    slow.stop();
    s.closeAllConnections();
    s.close();
    expect(texts.every((t) => t.includes('"windowSeconds":1'))).toBe(true);
    expect(builds).toBe(1);
  });

  it('sends a new stream the whole document first, then JSON Patches', async () => {
    const text = await read(3);
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => [
      m[1],
      JSON.parse(m[2]!),
    ]);
    expect(events[0]![0]).toBe('snapshot');
    expect(events[0]![1]).toMatchObject({ stage: 'stage-1-facade' });
    expect(events.slice(1).map((e) => e[0])).toEqual(['patch', 'patch']);
    expect(events[1]![1]).toEqual([
      { op: 'replace', path: '/windowSeconds', value: expect.any(Number) },
    ]);
  });

  it('sends no patch when the document did not change', async () => {
    const still = new LiveHub({
      build: async () => view(1),
      intervalMs: 10,
      logger: createLogger({ service: 'test', version: 'v1', pod: 't', level: 'silent' }),
    });
    const app = express().get('/events', still.handler);
    const s = createServer(app).listen(0, '127.0.0.1');
    await once(s, 'listening');
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/events`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: snapshot')) text += (await reader.read()).value ?? '';
    // Let ten more intervals pass, then end the stream and read what it held.
    await new Promise((resolve) => setTimeout(resolve, 100));
    still.stop();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    s.close();
    expect(text).not.toMatch(/event: patch/);
  });
});
