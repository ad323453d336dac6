import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { CircuitBreaker } from '@fig/breaker';
import { observeModelBreaker } from './breaker-metrics';

const fail = () => Promise.reject(new Error('model down'));
const gaugeValue = async (registry: Registry) =>
  (await registry.getSingleMetric('frontend_model_breaker_state')!.get()).values[0]?.value;

describe('frontend_model_breaker_state', () => {
  it('reads 0 closed, 2 open after the failures that trip it, 1 half-open when the open time is up', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ consecutiveFailures: 2, openMs: 1000, now: () => now });
    const registry = new Registry();
    observeModelBreaker(registry, breaker);

    expect(await gaugeValue(registry)).toBe(0);
    await breaker.run(fail).catch(() => undefined);
    await breaker.run(fail).catch(() => undefined);
    expect(await gaugeValue(registry)).toBe(2);
    // No call and no event: only the clock moved, and the scrape sees it.
    now = 1000;
    expect(await gaugeValue(registry)).toBe(1);
    await breaker.run(() => Promise.resolve('ok'));
    expect(await gaugeValue(registry)).toBe(0);
  });

  it('is exposed in the text format with its help, as promtool reads it', async () => {
    const registry = new Registry();
    observeModelBreaker(registry, new CircuitBreaker({ consecutiveFailures: 1, openMs: 1 }));
    expect(await registry.metrics()).toContain(
      '# HELP frontend_model_breaker_state Circuit breaker state in front of the model: 0 closed, 1 half-open, 2 open\n# TYPE frontend_model_breaker_state gauge\nfrontend_model_breaker_state 0\n',
    );
  });

  it('passes promtool check metrics, as the e2e metrics lint runs it', async () => {
    const registry = new Registry();
    observeModelBreaker(registry, new CircuitBreaker({ consecutiveFailures: 1, openMs: 1 }));
    const check = spawnSync('/usr/bin/promtool', ['check', 'metrics'], {
      input: await registry.metrics(),
      encoding: 'utf8',
    });
    expect([check.status, `${check.stdout}${check.stderr}`.trim()]).toEqual([0, '']);
  });
});
