import { connect, createServer, type Socket } from 'node:net';
import { closeAtEnd } from './leaks';

export interface TcpProxy {
  /** The port clients connect to instead of the target's. */
  port: number;
  /** Connections currently open through the proxy. */
  connections(): number;
  /**
   * Cuts every open connection with a TCP RST, both ways, as a peer that
   * crashed would: data not yet read on either side is lost.
   */
  resetAll(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of `targetPort`, for faults that real
 * servers cannot be asked to produce on cue (a connection dying between a
 * response's headers and its body, say).
 */
export function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end).pipe(upstream);
    upstream.on('error', end).on('close', end).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('no address'));
      const resetAll = () => {
        for (const pair of pairs) {
          pairs.delete(pair);
          for (const socket of pair) socket.resetAndDestroy();
        }
      };
      resolve({
        port: address.port,
        connections: () => pairs.size,
        resetAll,
        close: closeAtEnd(() => {
          resetAll();
          return new Promise<void>((done) => server.close(() => done()));
        }),
      });
    });
  });
}
