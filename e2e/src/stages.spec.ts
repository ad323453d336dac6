import { loadCatalogue } from '@fig/stages';
import { startRedis, type RedisServer } from '@fig/testing';
import { guestbookSuite } from './support/guestbook-suite';
import { root, startLocalStage, type LocalStage } from './support/local-stage';

// Every stage of the catalogue, the parallel run included, started by its id.
const stages = loadCatalogue(root).stages.map((s) => [s.id, s] as const);

describe.each(stages)('%s through `npm start`', (id, stage) => {
  let redis: RedisServer;
  let system: LocalStage;

  beforeAll(async () => {
    redis = await startRedis();
    system = await startLocalStage(id, redis.url);
  }, 60_000);

  afterAll(async () => {
    const code = await system?.stop();
    await redis?.dispose();
    // Ctrl-C drains every service and ends cleanly.
    expect(code).toBe(0);
  });

  // The strangler at work: the same answers, the page from the monolith until the frontend is extracted.
  guestbookSuite(() => system.url, {
    pageService: stage.apps.includes('frontend') ? 'frontend' : 'monolith',
  });
});
