import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { startTcpProxy } from './tcp-proxy';
import { waitFor } from './wait';

function echoServer(): Promise<{ server: Server; port: number }> {
  // The proxy resets this side too; a reset peer is expected here.
  const server = createServer((socket) => socket.on('error', () => {}).pipe(socket));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  );
}

const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });

describe('startTcpProxy', () => {
  it('relays bytes both ways, then resets every connection on demand', async () => {
    const echo = await echoServer();
    const proxy = await startTcpProxy(echo.port);
    try {
      const socket = await open(proxy.port);
      const echoed = new Promise<string>((resolve) =>
        socket.once('data', (d) => resolve(d.toString())),
      );
      socket.write('hello');
      expect(await echoed).toBe('hello');
      expect(proxy.connections()).toBe(1);

      const failed = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
      proxy.resetAll();
      expect((await failed).code).toBe('ECONNRESET');
      expect(proxy.connections()).toBe(0);

      // The proxy keeps accepting: only the connections open at the reset die.
      const again = await open(proxy.port);
      await waitFor(() => proxy.connections() === 1, { what: 'a new relayed connection' });
      again.destroy();
    } finally {
      await proxy.close();
      echo.server.close();
    }
  });
});
