import { existsSync } from 'node:fs';
import path from 'node:path';
import { startRedis, type RedisServer } from '@fig/testing';
import { guestbookSuite } from './support/guestbook-suite';
import { root, startLocalStage, type LocalStage } from './support/local-stage';

// A stage is part of the product once all its apps exist in the repository;
// from then on it must build and pass (a missing bundle fails, never skips).
const stageApps: Record<number, string[]> = {
  0: ['monolith'],
  1: ['monolith', 'gateway'],
  2: ['monolith', 'store-svc', 'gateway'],
  3: ['monolith', 'store-svc', 'frontend', 'gateway'],
};
const stages = Object.entries(stageApps)
  .filter(([, apps]) =>
    apps.every((app) => existsSync(path.join(root, 'apps', app, 'src/main.ts'))),
  )
  .map(([stage]) => Number(stage));

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

  guestbookSuite(() => system.url);
});
