import { evaluate, type EvalExample, type SentimentLabel, type SentimentModel } from './index';
import { recall } from './evaluate';

// A model whose answer is spelled out in the text keeps the arithmetic obvious.
const echo: SentimentModel = {
  version: 'v1',
  score: (text) => ({ label: text as SentimentLabel, score: 0, model: 'v1' }),
};

const examples: EvalExample[] = [
  { text: 'positive', label: 'positive' },
  { text: 'positive', label: 'positive' },
  { text: 'neutral', label: 'positive' },
  { text: 'negative', label: 'negative' },
  { text: 'positive', label: 'neutral' },
];

describe('evaluate', () => {
  const report = evaluate(echo, examples);

  it('counts totals and accuracy', () => {
    expect(report).toMatchObject({ model: 'v1', total: 5, correct: 3, accuracy: 0.6 });
  });

  it('fills the confusion matrix as [expected][predicted]', () => {
    expect(report.confusion).toEqual({
      positive: { positive: 2, neutral: 1, negative: 0 },
      neutral: { positive: 1, neutral: 0, negative: 0 },
      negative: { positive: 0, neutral: 0, negative: 1 },
    });
  });

  it('computes per-label recall', () => {
    expect(recall(report, 'positive')).toBeCloseTo(2 / 3);
    expect(recall(report, 'neutral')).toBe(0);
    expect(recall(report, 'negative')).toBe(1);
  });

  it('reports 0 accuracy for an empty set', () => {
    expect(evaluate(echo, [])).toMatchObject({ total: 0, correct: 0, accuracy: 0 });
  });
});
