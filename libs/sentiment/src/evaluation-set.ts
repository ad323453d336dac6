import raw from './evaluation-set.json';
import { SENTIMENT_LABELS, type EvalExample } from './evaluate';
import type { SentimentLabel } from './types';

function isLabel(value: string): value is SentimentLabel {
  return (SENTIMENT_LABELS as readonly string[]).includes(value);
}

// The JSON is typed only as strings, so a typo in a hand-edited label must fail
// loudly here instead of silently counting as a wrong prediction.
export const evaluationSet: readonly EvalExample[] = raw.map(({ text, label }, i) => {
  if (!isLabel(label)) throw new Error(`evaluation-set.json[${i}]: unknown label "${label}"`);
  return { text, label };
});
