export { createModelServer, createModelService, type ModelServer } from './server';
export { batchMax, validText, validTexts } from './validation';
