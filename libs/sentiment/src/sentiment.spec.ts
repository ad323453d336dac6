import { labelFor, toSentiment } from './sentiment';

describe('labelFor', () => {
  it.each([
    [0.05, 'positive'],
    [0.0499, 'neutral'],
    [0, 'neutral'],
    [-0.0499, 'neutral'],
    [-0.05, 'negative'],
  ] as const)('labels %p as %s', (score, label) => {
    expect(labelFor(score)).toBe(label);
  });
});

describe('toSentiment', () => {
  it('rounds to 4 decimals', () => {
    expect(toSentiment(0.123456, 'v1').score).toBe(0.1235);
  });

  it('never returns -0', () => {
    expect(Object.is(toSentiment(-0.00001, 'v2').score, 0)).toBe(true);
  });
});
