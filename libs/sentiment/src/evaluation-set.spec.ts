import { createModel, evaluate, evaluationSet } from './index';

describe('evaluationSet', () => {
  it('has at least 120 examples and 30 of each label', () => {
    expect(evaluationSet.length).toBeGreaterThanOrEqual(120);
    for (const label of ['positive', 'neutral', 'negative'] as const) {
      expect(evaluationSet.filter((e) => e.label === label).length).toBeGreaterThanOrEqual(30);
    }
  });

  it('has no duplicate texts', () => {
    expect(new Set(evaluationSet.map((e) => e.text)).size).toBe(evaluationSet.length);
  });

  it('is scored more accurately by v2 than by v1', () => {
    const v1 = evaluate(createModel('v1'), evaluationSet);
    const v2 = evaluate(createModel('v2'), evaluationSet);
    expect(v2.accuracy).toBeGreaterThan(v1.accuracy);
  });
});
