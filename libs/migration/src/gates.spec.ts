import { isDecisive, type GateResult } from './gates';

const errorRate = (bad: number, total: number): GateResult => ({
  name: 'errorRate',
  value: bad / total,
  threshold: 0.05,
  ok: bad / total <= 0.05,
  bad,
});

describe('isDecisive', () => {
  it('acts on any breach once minSamples requests are in', () => {
    expect(isDecisive(errorRate(1, 10), 10, 10)).toBe(true);
  });

  it('acts early when the bad answers alone breach the gate over minSamples requests', () => {
    // 1 failure of 2: whatever the next 8 answers are, 1/10 > 5%.
    expect(isDecisive(errorRate(1, 2), 2, 10)).toBe(true);
  });

  it('waits when the missing answers could still bring the rate under the threshold', () => {
    // 1 failure of 2 with minSamples 40: 1/40 ≤ 5%, so 38 good answers would clear it.
    expect(isDecisive(errorRate(1, 2), 2, 40)).toBe(false);
  });

  it('never acts early on a latency gate, which has no such bound', () => {
    const p99: GateResult = { name: 'p99Ms', value: 500, threshold: 100, ok: false };
    expect(isDecisive(p99, 3, 10)).toBe(false);
    expect(isDecisive(p99, 10, 10)).toBe(true);
  });

  it('never acts on a gate that holds', () => {
    expect(isDecisive(errorRate(0, 2), 2, 10)).toBe(false);
  });
});
