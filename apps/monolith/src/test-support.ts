import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { RedisGuestbook } from '@fig/guestbook-redis';
import { connectRedis, type RedisClient } from '@fig/redis';
import { createMetrics } from '@fig/service';
import { createModel } from '@fig/sentiment';
import { startRedis } from '@fig/testing';
import { createMonolith } from './app';

export interface TestMonolith {
  /** The monolith's Redis client, e.g. to flush between tests. */
  client: RedisClient;
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** supertest bound to the listening server: `http.post('/api/entries').send(…)`. */
  http: ReturnType<typeof request>;
  server: Server;
  close(): Promise<void>;
}

/**
 * The monolith's app served in-process on a free loopback port, on a Redis of
 * its own and the v2 model: what the app's specs talk to over real sockets.
 */
export async function startTestMonolith(): Promise<TestMonolith> {
  const redis = await startRedis();
  let client: RedisClient;
  try {
    client = await connectRedis({
      url: redis.url,
      logger: pino({ level: 'silent' }),
      name: 'test',
    });
  } catch (err) {
    await redis.dispose();
    throw err;
  }
  const app = createMonolith({
    store: new RedisGuestbook(client),
    model: createModel('v2'),
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ service: 'monolith', version: 'v2' }),
    version: 'v2',
    pod: 'pod-7',
    isDraining: () => false,
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client,
    port,
    base: `http://127.0.0.1:${port}`,
    http: request(server),
    server,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      client.destroy();
      await redis.dispose();
    },
  };
}
