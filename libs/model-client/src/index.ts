export { createModelClient, type ModelClient, type ModelClientOptions } from './client';
export { httpTransport, type HttpTransportOptions } from './http-transport';
export { answerOf, type ModelCall, type ModelTransport } from './transport';
