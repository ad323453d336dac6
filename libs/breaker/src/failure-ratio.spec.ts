import { CircuitBreaker, type BreakerState } from './breaker';

describe('CircuitBreaker with a failure-ratio rule', () => {
  const options = { minFailures: 3, failureRatio: 0.5, windowMs: 1_000, openMs: 500 };
  let now = 0;
  let changes: BreakerState[];
  let breaker: CircuitBreaker;

  beforeEach(() => {
    now = 10_000;
    changes = [];
    breaker = new CircuitBreaker({
      ...options,
      now: () => now,
      onStateChange: (s) => changes.push(s),
    });
  });

  const fail = (n: number) => {
    for (let i = 0; i < n; i++) if (breaker.allow()) breaker.recordFailure();
  };

  it('stays closed below the minimum number of failures, and below the ratio', () => {
    fail(2);
    expect(breaker.state).toBe('closed');
    for (let i = 0; i < 10; i++) breaker.recordSuccess();
    fail(3);
    expect(breaker.state).toBe('closed');
  });

  it('opens once enough calls fail, and refuses calls while open', () => {
    fail(3);
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });

  it('lets one trial through after openMs, and closes when it succeeds', () => {
    fail(3);
    now += 500;
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(false);
    breaker.recordSuccess();
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the trial fails', () => {
    fail(3);
    now += 500;
    breaker.allow();
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });

  it('releases a trial without a verdict when the caller went away', () => {
    fail(3);
    now += 500;
    breaker.allow();
    breaker.release();
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(true);
  });

  it('forgets failures from an earlier window', () => {
    fail(2);
    now += 1_000;
    fail(2);
    expect(breaker.state).toBe('closed');
  });
});
