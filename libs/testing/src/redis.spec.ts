import { createConnection } from 'node:net';
import { startRedis } from './redis';

/** One inline Redis command on a fresh connection; resolves with the raw reply. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
    socket.once('data', (d) => {
      resolve(d.toString().trim());
      socket.end();
    });
    socket.once('error', reject);
  });
}

const ping = (port: number) => command(port, 'PING');

describe('startRedis', () => {
  it('starts a private server that can be stopped and started again on the same port', async () => {
    const redis = await startRedis();
    try {
      expect(await ping(redis.port)).toBe('+PONG');
      await redis.stop();
      await expect(ping(redis.port)).rejects.toThrow(/ECONNREFUSED/);
      await redis.start();
      expect(await ping(redis.port)).toBe('+PONG');
    } finally {
      await redis.dispose();
    }
  });

  it('keeps an acknowledged write through a crash with the AOF fsynced every second', async () => {
    const redis = await startRedis({ aof: true, fsync: 'everysec' });
    try {
      expect(await command(redis.port, 'SET fig:test acknowledged')).toBe('+OK');
      await redis.crash();
      await expect(ping(redis.port)).rejects.toThrow(/ECONNREFUSED/);
      await redis.start();
      expect(await command(redis.port, 'GET fig:test')).toBe('$12\r\nacknowledged');
    } finally {
      await redis.dispose();
    }
  });
});
