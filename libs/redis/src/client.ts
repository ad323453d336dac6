import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import type { Logger } from 'pino';

function buildClient(url: string, name: string, commandTimeoutMs: number) {
  return createClient({
    url,
    name,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
    },
  });
}

export type RedisClient = ReturnType<typeof buildClient>;

export interface RedisConnectOptions {
  url: string;
  logger: Logger;
  /** Shown in CLIENT LIST, so an operator can tell who holds a connection. */
  name: string;
  commandTimeoutMs?: number;
  /** How long to wait for the first connection before returning the client anyway. */
  connectWaitMs?: number;
}

/**
 * A Redis client that fails fast instead of queueing: while Redis is away,
 * commands reject at once (so requests get a coded 503, not a hang), and the
 * client keeps reconnecting every few hundred milliseconds so service resumes
 * within a second of Redis returning.
 */
export async function connectRedis({
  url,
  logger,
  name,
  commandTimeoutMs = 2_000,
  connectWaitMs = 2_000,
}: RedisConnectOptions): Promise<RedisClient> {
  const client = buildClient(url, name, commandTimeoutMs);
  let healthy = false;
  client.on('ready', () => {
    if (!healthy) logger.info({ redis: name }, 'redis ready');
    healthy = true;
  });
  // Logged once per outage rather than on every reconnect attempt.
  client.on('error', (err: Error) => {
    if (healthy) logger.warn({ err, redis: name }, 'redis connection lost; reconnecting');
    healthy = false;
  });
  // Start even when Redis is not there yet: the process stays live, readiness
  // says why it is not ready, and the client connects as soon as it can.
  const connected = client.connect().then(() => true);
  connected.catch((err: unknown) => logger.error({ err, redis: name }, 'redis client gave up'));
  await Promise.race([connected, sleep(connectWaitMs, undefined, { ref: false })]);
  return client;
}

/** A readiness check for a Redis client: PING, failing fast while disconnected. */
export function redisCheck(client: RedisClient, name = 'redis') {
  return { name, run: () => client.ping() };
}
