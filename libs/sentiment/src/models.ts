import { afinnModel } from './afinn-model';
import { vaderModel } from './vader-model';
import type { ModelVersion, SentimentModel } from './types';

// Models are stateless, so every caller can share the same instances.
const models: Record<ModelVersion, SentimentModel> = { v1: afinnModel, v2: vaderModel };

export function createModel(version: ModelVersion): SentimentModel {
  const model = models[version];
  // Guards callers outside the type system, e.g. a version read from a request.
  if (!model) throw new Error(`Unknown sentiment model version: ${String(version)}`);
  return model;
}
