import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Lifecycle } from './lifecycle';

const logger = pino({ level: 'silent' });

describe('Lifecycle', () => {
  it('fails readiness first, then drains servers, then cleans up in order', async () => {
    const events: string[] = [];
    const lifecycle: Lifecycle = new Lifecycle({ logger, delayMs: 50, timeoutMs: 1_000 })
      .onDrain('health', () => events.push(`drain hook (draining=${lifecycle.draining})`))
      .addServer({
        name: 'http',
        close: async () => void events.push('server closed'),
        force: () => events.push('forced'),
      })
      .addCleanup('telemetry', () => events.push('telemetry flushed'))
      .addCleanup('redis', () => events.push('redis closed'));
    await lifecycle.shutdown('test');
    expect(events).toEqual([
      'drain hook (draining=true)',
      'server closed',
      'telemetry flushed',
      'redis closed',
    ]);
  });

  it('forces servers closed once the drain budget is spent, and still cleans up', async () => {
    const events: string[] = [];
    const lifecycle = new Lifecycle({ logger, delayMs: 0, timeoutMs: 100 })
      .addServer({
        name: 'stuck',
        close: () => new Promise(() => undefined),
        force: () => events.push('forced'),
      })
      .addCleanup('redis', () => events.push('redis closed'));
    const started = Date.now();
    await lifecycle.shutdown('test');
    expect(events).toEqual(['forced', 'redis closed']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps going when a cleanup step throws', async () => {
    const events: string[] = [];
    const lifecycle = new Lifecycle({ logger, delayMs: 0, timeoutMs: 100 })
      .addCleanup('bad', () => {
        throw new Error('boom');
      })
      .addCleanup('redis', () => events.push('redis closed'));
    await lifecycle.shutdown('test');
    expect(events).toEqual(['redis closed']);
  });

  it('runs the sequence once however often it is asked', async () => {
    let closes = 0;
    const lifecycle = new Lifecycle({ logger, delayMs: 0, timeoutMs: 100 }).addCleanup(
      'count',
      () => closes++,
    );
    await Promise.all([lifecycle.shutdown('a'), lifecycle.shutdown('b')]);
    expect(closes).toBe(1);
  });

  it('answers with Connection: close while draining, so keep-alive clients move on before the server stops', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const lifecycle = new Lifecycle({ logger, delayMs: 300, timeoutMs: 1_000 }).addHttpServer(
      'http',
      server,
    );
    const get = () =>
      new Promise<IncomingHttpHeaders>((resolve, reject) => {
        const req = request(
          { port, host: '127.0.0.1', headers: { connection: 'keep-alive' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.headers));
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect((await get()).connection).toBe('keep-alive');
    const done = lifecycle.shutdown('test');
    expect((await get()).connection).toBe('close');
    await done;
    expect(server.listening).toBe(false);
  });
});
