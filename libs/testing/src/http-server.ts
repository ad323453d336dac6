import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeAtEnd } from './leaks';

export interface LoopbackServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Ends open connections too (a keep-alive socket would hold `close` open), once. */
  close(): Promise<void>;
}

/**
 * Listens an in-process server (a fake upstream, an app under test) on a port
 * the kernel picks on loopback, and closes it at the end of the spec file at
 * the latest, so a failed beforeAll leaves nothing listening.
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: closeAtEnd(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  };
}
