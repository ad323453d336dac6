import { createLogger } from '@fig/logging';
import { startRedis, waitFor, type RedisServer } from '@fig/testing';
import { connectRedis, redisCheck, type RedisClient } from './client';

const logger = createLogger({
  service: 'redis-spec',
  version: 'test',
  pod: 'test',
  level: 'silent',
});

describe('connectRedis and redisCheck', () => {
  let redis: RedisServer;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startRedis();
    client = await connectRedis({ url: redis.url, logger, name: 'redis-spec' });
  });
  afterAll(async () => {
    client?.destroy();
    await redis?.dispose();
  });

  it('passes while Redis answers', async () => {
    await expect(redisCheck(client).run()).resolves.toBe('PONG');
  });

  it('fails at once while Redis is away, and passes again once it is back', async () => {
    await redis.stop();
    await expect(redisCheck(client).run()).rejects.toThrow();
    await redis.start();
    await waitFor(async () => (await redisCheck(client).run()) === 'PONG', {
      timeoutMs: 5_000,
      what: 'the client to reconnect',
    });
  });

  it('returns the client without waiting forever when Redis is not there yet', async () => {
    const late = await connectRedis({
      url: 'redis://127.0.0.1:1',
      logger,
      name: 'redis-spec-late',
      connectWaitMs: 50,
    });
    try {
      await expect(redisCheck(late, 'late').run()).rejects.toThrow();
      expect(redisCheck(late, 'late').name).toBe('late');
    } finally {
      late.destroy();
    }
  });
});
