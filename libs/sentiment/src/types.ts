/** Every model version, in release order: the one list the rest of Fig derives from. */
export const MODEL_VERSIONS = ['v1', 'v2'] as const;
export type ModelVersion = (typeof MODEL_VERSIONS)[number];

/** Every label a model gives. */
export const SENTIMENT_LABELS = ['positive', 'neutral', 'negative'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

export interface Sentiment {
  label: SentimentLabel;
  /** In [-1, 1], rounded to 4 decimals. */
  score: number;
  model: ModelVersion;
}

export interface SentimentModel {
  readonly version: ModelVersion;
  score(text: string): Sentiment;
}

export function isModelVersion(value: unknown): value is ModelVersion {
  return (MODEL_VERSIONS as readonly unknown[]).includes(value);
}

export function isSentimentLabel(value: unknown): value is SentimentLabel {
  return (SENTIMENT_LABELS as readonly unknown[]).includes(value);
}

/** Whether a value (say, another service's JSON answer) is a well-formed score. */
export function isSentiment(value: unknown): value is Sentiment {
  const s = value as Partial<Sentiment> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    isSentimentLabel(s.label) &&
    typeof s.score === 'number' &&
    s.score >= -1 &&
    s.score <= 1 &&
    isModelVersion(s.model)
  );
}
