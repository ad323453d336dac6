import type { ModelVersion, SentimentLabel, SentimentModel } from './types';

export interface EvalExample {
  text: string;
  label: SentimentLabel;
}

export interface EvalReport {
  model: ModelVersion;
  total: number;
  correct: number;
  /** Fraction in [0, 1]; 0 for an empty set. */
  accuracy: number;
  /** confusion[expected][predicted] = number of examples. */
  confusion: Record<SentimentLabel, Record<SentimentLabel, number>>;
}

function emptyRow(): Record<SentimentLabel, number> {
  return { positive: 0, neutral: 0, negative: 0 };
}

export function evaluate(model: SentimentModel, examples: readonly EvalExample[]): EvalReport {
  const confusion = { positive: emptyRow(), neutral: emptyRow(), negative: emptyRow() };
  let correct = 0;
  for (const { text, label } of examples) {
    const predicted = model.score(text).label;
    confusion[label][predicted] += 1;
    if (predicted === label) correct += 1;
  }
  const total = examples.length;
  return {
    model: model.version,
    total,
    correct,
    accuracy: total === 0 ? 0 : correct / total,
    confusion,
  };
}

/** Share of the examples labelled `label` that the model also labelled `label`. */
export function recall(report: EvalReport, label: SentimentLabel): number {
  const row = report.confusion[label];
  const expected = row.positive + row.neutral + row.negative;
  return expected === 0 ? 0 : row[label] / expected;
}
