import { startRedis, type RedisServer } from '@fig/testing';
import { guestbookSuite } from './support/guestbook-suite';
import { startLocalStage, type LocalStage } from './support/local-stage';

const stages = [0, 1, 2, 3];

describe.each(stages)('stage %i through `npm start`', (stage) => {
  let redis: RedisServer;
  let system: LocalStage;

  beforeAll(async () => {
    redis = await startRedis();
    system = await startLocalStage(stage, redis.url);
  }, 60_000);

  afterAll(async () => {
    const code = await system?.stop();
    await redis?.dispose();
    // Ctrl-C drains every service and ends cleanly.
    expect(code).toBe(0);
  });

  // The strangler at work: the same answers, from the monolith until stage 3.
  guestbookSuite(() => system.url, { pageService: stage === 3 ? 'frontend' : 'monolith' });
});
