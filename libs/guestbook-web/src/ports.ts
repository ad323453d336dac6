import type { Sentiment, ModelVersion } from '@fig/sentiment';

/** Scores text. Rejects (with a coded AppError) when the model cannot be reached. */
export interface Scorer {
  score(text: string): Promise<Sentiment>;
}

/** Who is answering: shown in the page footer and at /api/info. */
export interface ServiceInfo {
  service: string;
  version: string;
  pod: string;
  model?: ModelVersion;
}
