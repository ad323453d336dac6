export {
  MODEL_VERSIONS,
  SENTIMENT_LABELS,
  isModelVersion,
  isSentiment,
  isSentimentLabel,
  type ModelVersion,
  type Sentiment,
  type SentimentLabel,
  type SentimentModel,
} from './types';
export { createModel } from './models';
export { evaluate, type EvalExample, type EvalReport } from './evaluate';
export { evaluationSet } from './evaluation-set';
