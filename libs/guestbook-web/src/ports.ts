import type { Sentiment, ModelVersion } from '@fig/sentiment';

/** What a model call carries on from the request that needs it. */
export interface ScoreContext {
  /** Joins the model's logs to the caller's. */
  requestId?: string;
  /** Request headers the model call passes on: `x-fig-model`, the A/B header that picks a model version. */
  headers?: Record<string, string>;
}

/** Scores text. Rejects (with a coded AppError) when the model cannot be reached. */
export interface Scorer {
  score(text: string, context?: ScoreContext): Promise<Sentiment>;
}

/** Who is answering: shown in the page footer and at /api/info. */
export interface ServiceInfo {
  service: string;
  version: string;
  pod: string;
  model?: ModelVersion;
}
