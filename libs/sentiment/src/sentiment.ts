import type { ModelVersion, Sentiment, SentimentLabel } from './types';

// VADER's recommended cut-offs for its compound score; v1 uses them too so that
// the two models differ only in how they score, not in how they label.
const POSITIVE_FROM = 0.05;
const NEGATIVE_FROM = -0.05;

export function labelFor(score: number): SentimentLabel {
  if (score >= POSITIVE_FROM) return 'positive';
  if (score <= NEGATIVE_FROM) return 'negative';
  return 'neutral';
}

/** Builds the result from a score already in [-1, 1]. */
export function toSentiment(score: number, model: ModelVersion): Sentiment {
  // `+ 0` turns -0 into 0: Math.round rounds tiny negatives (and VADER's
  // compound can be "-0.0000") to -0, which serialises oddly and fails
  // Object.is / toBe(0) checks downstream.
  const rounded = Math.round(score * 10_000) / 10_000 + 0;
  return { label: labelFor(rounded), score: rounded, model };
}
