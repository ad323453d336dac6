import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeRoute } from '@fig/migration';
import { waitFor } from '@fig/testing';
import { migrationFile, startScenario, startTraffic, type Scenario } from './test-support';

// Real processes: the built gateway serving a route file, the built migrator
// driving it, two upstreams and steady client traffic through the gateway.
jest.setTimeout(90_000);

/** Waits until the migration has held (too little traffic) `n` times. */
const waitForHolds = (s: Scenario, n: number) =>
  waitFor(
    async () =>
      (await s.metric('migrator_decisions_total', { route: 'items', decision: 'hold' })) >= n,
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `${n} holds`,
    },
  );

const stepNames = ['mirror 50%', 'mirror 100%', 'weight 10%', 'weight 50%', 'weight 100%'];

async function withTraffic<T>(
  s: Scenario,
  run: () => Promise<T>,
  options?: { clients?: number; pauseMs?: number },
) {
  const traffic = startTraffic(s.gateway.base, options);
  try {
    return { result: await run(), sent: traffic.sent };
  } finally {
    await traffic.stop();
  }
}

describe('migrator driving a real gateway', () => {
  it('moves a faithful candidate from mirror to 100% by itself, one step at a time', async () => {
    const s = await startScenario('faithful');
    expect((await s.control('start')).status).toBe(200);
    const { result: done } = await withTraffic(s, () =>
      s.until((m) => m.state === 'succeeded', 'success', 60_000),
    );
    expect(done.step).toMatchObject({ index: 4, name: 'weight 100%', percent: 100 });
    expect(done.history.map((h) => h.to)).toEqual([
      'mirror 50%',
      ...stepNames.slice(1),
      'weight 100%',
    ]);
    expect(await s.route()).toMatchObject({ proxy: { upstream: 'candidate' } });
    expect((await s.route())['mirror']).toBeUndefined();
    expect(done.gates.every((g) => g.ok)).toBe(true);
    // Every step change is an event in the metrics too.
    expect(await s.metric('migrator_transitions_total', { route: 'items', kind: 'advance' })).toBe(
      4,
    );
  });

  it('never takes a candidate with a planted answer difference past the mirror', async () => {
    const s = await startScenario('different');
    await s.control('start');
    const { result: failed } = await withTraffic(s, () =>
      s.until((m) => m.state === 'failed', 'failure'),
    );
    expect(failed.step.name).toBe('mirror 50%');
    expect(failed.reason).toMatch(/mismatchRate 1 > 0\.01/);
    expect(failed.history.some((h) => h.to.startsWith('weight'))).toBe(false);
    // The parallel run goes on, so people can look at the differences.
    expect(await s.route()).toMatchObject({
      proxy: { upstream: 'current' },
      mirror: { upstream: 'candidate', percent: 50 },
    });
    expect(failed.gates.find((g) => g.name === 'mismatchRate')).toMatchObject({
      ok: false,
      value: 1,
    });
  });

  it('rolls a candidate that answers 5xx at 10% back at the first evaluation, and clients saw at most that share', async () => {
    // A breach is acted on from 5 answers: at 10% of this traffic, one interval brings more.
    const s = await startScenario('broken', migrationFile('      minSamples: 5\n'));
    await s.control('start');
    const { result: failed, sent } = await withTraffic(
      s,
      () => s.until((m) => m.state === 'failed', 'rollback'),
      { clients: 6, pauseMs: 0 },
    );
    const exposed = failed.history.find((h) => h.to === 'weight 10%')!;
    const rollback = failed.history.at(-1)!;
    expect(rollback).toMatchObject({ from: 'weight 10%', to: 'mirror 100%', state: 'failed' });
    expect(rollback.reason).toMatch(/errorRate 1 > 0\.05 .*evaluation 1\)/);
    expect(await s.route()).toMatchObject({
      proxy: { upstream: 'current' },
      mirror: { percent: 100 },
    });
    // Only requests sent while the candidate had 10% could fail; their share is binomial around 10%.
    const during = sent.filter(
      (r) => r.at >= Date.parse(exposed.at) && r.at <= Date.parse(rollback.at),
    );
    const failures = sent.filter((r) => r.status >= 500 || r.status === 0);
    const bound = 0.1 + 3 * Math.sqrt((0.1 * 0.9) / during.length);
    expect(failures.length / during.length).toBeLessThanOrEqual(bound);
    expect(failures.every((r) => r.at >= Date.parse(exposed.at) - 50)).toBe(true);
  });

  it('rolls a slow candidate back on its p99', async () => {
    const s = await startScenario('slow');
    await s.control('start');
    const { result: failed } = await withTraffic(s, () =>
      s.until((m) => m.state === 'failed', 'rollback'),
    );
    expect(failed.history.at(-1)).toMatchObject({ from: 'weight 10%', to: 'mirror 100%' });
    expect(failed.reason).toMatch(/p99Ms/);
    expect(failed.gates.find((g) => g.name === 'p99Ms')!.value).toBeGreaterThan(100);
  });

  it('holds a step that has too little traffic instead of promoting on no evidence', async () => {
    const s = await startScenario(
      'faithful',
      migrationFile().replace('minRequests: 20', 'minRequests: 100000'),
    );
    await s.control('start');
    await withTraffic(s, () => waitForHolds(s, 3), { clients: 1, pauseMs: 50 });
    const m = await s.migration();
    expect(m).toMatchObject({ state: 'running', step: { index: 0, name: 'mirror 50%' } });
    expect(m.history).toHaveLength(1);
    expect(await s.route()).toMatchObject({ mirror: { percent: 50 } });
  });

  it('resumes at its step after a restart', async () => {
    const s = await startScenario(
      'faithful',
      migrationFile().replace('minRequests: 20', 'minRequests: 60'),
    );
    await s.control('start');
    await withTraffic(s, async () => {
      const before = await s.until((m) => m.step.index >= 2, 'step 2');
      await s.migrator.restart();
      const after = await s.migration();
      // It picked up where it was, history and all, rather than starting over.
      expect(after.step.index).toBeGreaterThanOrEqual(before.step.index);
      expect(after.history.slice(0, before.history.length)).toEqual(before.history);
      expect(after.history.filter((h) => h.reason === 'started')).toHaveLength(1);
      expect(after.state).toBe('running');
      await s.until((m) => m.state === 'succeeded', 'success after restart', 60_000);
    });
    expect(await s.route()).toMatchObject({ proxy: { upstream: 'candidate' } });
  });

  it('pauses when the route it drives is edited by hand, and drives again when resumed', async () => {
    const s = await startScenario(
      'faithful',
      migrationFile().replace('minRequests: 20', 'minRequests: 60'),
    );
    await s.control('start');
    await withTraffic(s, async () => {
      await s.until((m) => m.step.name === 'weight 10%', 'weight 10%');
      const manual = {
        name: 'items',
        match: { methods: ['GET'], prefix: '/api/items' },
        proxy: { upstream: 'current' },
      };
      await writeFile(s.routes, writeRoute(await readFile(s.routes, 'utf8'), 'items', manual));
      const paused = await s.until((m) => m.state === 'paused', 'pause');
      expect(paused.reason).toMatch(/edited by hand/);
      // Nothing to await: it must NOT act. Two intervals later the person's edit still stands.
      await sleep(2_000);
      expect(await s.route()).toEqual(manual);
      expect((await s.migration()).state).toBe('paused');
      expect((await s.control('resume')).status).toBe(200);
      await s.until((m) => m.state === 'succeeded', 'success after resume', 60_000);
    });
  });

  it('answers control requests it cannot do with a stable code', async () => {
    const s = await startScenario('faithful');
    expect(await s.control('start', 'nope')).toMatchObject({
      status: 404,
      body: { error: { code: 'MIGRATION_NOT_FOUND' } },
    });
    expect(await s.control('pause')).toMatchObject({
      status: 409,
      body: { error: { code: 'INVALID_STATE' } },
    });
    expect(await s.control('abort')).toMatchObject({ status: 409 });
    await s.control('start');
    expect(await s.control('start')).toMatchObject({ status: 409 });
    expect((await s.control('abort')).status).toBe(200);
    expect(await s.route()).toEqual({
      name: 'items',
      match: { methods: ['GET'], prefix: '/api/items' },
      proxy: { upstream: 'current' },
    });
  });
});
