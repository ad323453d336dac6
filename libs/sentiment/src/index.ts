export type { ModelVersion, Sentiment, SentimentLabel, SentimentModel } from './types';
export { MODEL_VERSIONS, createModel } from './models';
export { evaluate, type EvalExample, type EvalReport } from './evaluate';
export { evaluationSet } from './evaluation-set';
