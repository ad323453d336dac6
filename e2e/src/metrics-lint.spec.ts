import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startBundle, startRedis, type RedisServer, type RunningBundle } from '@fig/testing';
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
  let liveView: RunningBundle | undefined;

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
    // The live view, watching that gateway, after a page view and a read of its document.
    liveView = await startBundle('live-view', {
      env: { GATEWAY_OPS_URL: system.gateway.ops, INTERVAL_MS: '200' },
    });
    await fetch(`${liveView.base}/`);
    await fetch(`${liveView.base}/api/view`);
  }, 60_000);

  afterAll(async () => {
    await liveView?.kill();
    await killAll(system?.all ?? []);
    await redis?.dispose();
  });

  it.each(['monolith', 'store', 'frontend', 'gateway', 'live-view'] as const)(
    "the %s's /metrics passes",
    async (name) => {
      const ops = name === 'live-view' ? liveView!.ops : system![name].ops;
      const text = await (await fetch(`${ops}/metrics`)).text();
      expect(text).toContain('fig_build_info');
      // The frontend's own: the model's circuit, closed while the model answers.
      if (name === 'frontend')
        expect(text).toMatch(/^frontend_model_breaker_state(\{[^}]*\})? 0$/m);
      const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect([check.status, `${check.stdout}${check.stderr}`.trim()]).toEqual([0, '']);
    },
  );
});
