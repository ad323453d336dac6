export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export type ModelVersion = 'v1' | 'v2';

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
