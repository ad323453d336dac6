import { createServer, request } from 'node:http';
import { listenOnLoopback } from './http-server';

describe('listenOnLoopback', () => {
  it('serves on loopback and closes even while a request is still waiting for its answer', async () => {
    let arrived: () => void;
    const waiting = new Promise<void>((resolve) => (arrived = resolve));
    // Never answers: server.close() alone would wait for this connection for good.
    const server = createServer(() => arrived());
    const listening = await listenOnLoopback(server);
    expect(listening.url).toBe(`http://127.0.0.1:${listening.port}`);
    const cut = new Promise<string>((resolve) =>
      request(listening.url, () => resolve('answered'))
        .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
        .end(),
    );
    await waiting;
    await listening.close();
    expect(server.listening).toBe(false);
    expect(await cut).toBe('ECONNRESET');
  });
});
