import { CircuitBreaker, CircuitOpenError, type BreakerState } from './breaker';

function setup() {
  let clock = 0;
  const changes: string[] = [];
  const breaker = new CircuitBreaker({
    consecutiveFailures: 3,
    openMs: 1_000,
    now: () => clock,
    onStateChange: (to: BreakerState, from: BreakerState) => changes.push(`${from}->${to}`),
  });
  const advance = (ms: number) => (clock += ms);
  let calls = 0;
  const ok = () => breaker.run(async () => ++calls);
  const fail = () =>
    breaker.run(async () => {
      calls++;
      throw new Error('upstream down');
    });
  return { breaker, changes, advance, ok, fail, calls: () => calls };
}

describe('CircuitBreaker with a consecutive-failures rule', () => {
  it('stays closed below the threshold, and a success resets the count', async () => {
    const { breaker, ok, fail } = setup();
    await expect(fail()).rejects.toThrow('upstream down');
    await expect(fail()).rejects.toThrow('upstream down');
    await ok();
    await expect(fail()).rejects.toThrow('upstream down');
    await expect(fail()).rejects.toThrow('upstream down');
    expect(breaker.state).toBe('closed');
  });

  it('opens after the threshold and then fails at once without calling', async () => {
    const { breaker, changes, fail, ok, calls } = setup();
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow('upstream down');
    expect(breaker.state).toBe('open');
    await expect(ok()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls()).toBe(3);
    expect(changes).toEqual(['closed->open']);
  });

  it('lets exactly one trial through after the cooldown, and closes when it succeeds', async () => {
    const { breaker, changes, advance, fail, calls } = setup();
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow();
    advance(1_000);
    expect(breaker.state).toBe('half-open');

    let release!: () => void;
    const trial = breaker.run(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(breaker.run(async () => 'second')).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await trial;
    expect(breaker.state).toBe('closed');
    expect(calls()).toBe(3);
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('opens again for a full cooldown when the trial fails', async () => {
    const { breaker, advance, fail, ok } = setup();
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow();
    advance(1_000);
    await expect(fail()).rejects.toThrow('upstream down');
    expect(breaker.state).toBe('open');
    advance(999);
    await expect(ok()).rejects.toMatchObject({ retryInMs: 1 });
    advance(1);
    await expect(ok()).resolves.toBeGreaterThan(0);
  });
});

describe('CircuitBreaker.run with a failure classification', () => {
  it('releases the permit without a verdict for an error that does not count', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1, openMs: 1_000 });
    const mistake = new Error('caller sent a bad body');
    const countsAsFailure = (err: unknown) => err !== mistake;
    for (let i = 0; i < 3; i++) {
      await expect(breaker.run(() => Promise.reject(mistake), { countsAsFailure })).rejects.toBe(
        mistake,
      );
    }
    expect(breaker.state).toBe('closed');
    await expect(
      breaker.run(() => Promise.reject(new Error('down')), { countsAsFailure }),
    ).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
  });
});
