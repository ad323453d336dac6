import raw from './evaluation-set.json';
import type { EvalExample } from './evaluate';
import { isSentimentLabel } from './types';

// The JSON is typed only as strings, so a typo in a hand-edited label must fail
// loudly here instead of silently counting as a wrong prediction.
export const evaluationSet: readonly EvalExample[] = raw.map(({ text, label }, i) => {
  if (!isSentimentLabel(label))
    throw new Error(`evaluation-set.json[${i}]: unknown label "${label}"`);
  return { text, label };
});
