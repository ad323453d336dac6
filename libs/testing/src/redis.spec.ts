import { createConnection } from 'node:net';
import { startRedis } from './redis';

function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      resolve(d.toString().trim());
      socket.end();
    });
    socket.once('error', reject);
  });
}

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
});
