import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startRedis, type RedisServer } from '@fig/testing';
import { killAll, startStage3, type Stage3 } from './support/services';

/**
 * Every service's /metrics must parse and follow Prometheus's conventions as
 * promtool checks them (Debian's `prometheus` package; `.ci/run` installs
 * it). Checked after some traffic, so request and gRPC series exist too.
 */
const promtool = '/usr/bin/promtool';

describe('metrics pass promtool check metrics', () => {
  let redis: RedisServer;
  let system: Stage3 | undefined;

  beforeAll(async () => {
    if (!existsSync(promtool)) {
      throw new Error(
        `${promtool} is missing: install Debian's prometheus package (bash .ci/run does)`,
      );
    }
    redis = await startRedis();
    system = await startStage3(redis.url);
    const gateway = system.gateway.base;
    await fetch(`${gateway}/`);
    await fetch(`${gateway}/api/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'Ada', text: 'metrics please' }),
    });
    await fetch(`${gateway}/api/nope`);
  }, 60_000);

  afterAll(async () => {
    await killAll(system?.all ?? []);
    await redis?.dispose();
  });

  it.each(['monolith', 'store', 'frontend', 'gateway'] as const)(
    "the %s's /metrics passes",
    async (name) => {
      const text = await (await fetch(`${system![name].ops}/metrics`)).text();
      expect(text).toContain('fig_build_info');
      const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect([check.status, `${check.stdout}${check.stderr}`.trim()]).toEqual([0, '']);
    },
  );
});
