export {
  createModelClient,
  type ModelClient,
  type ModelClientOptions,
  type ScoreOptions,
} from './client';
export { grpcTransport, modelServiceConfig, type GrpcTransportOptions } from './grpc-transport';
export { httpTransport, type HttpTransportOptions } from './http-transport';
export {
  answerOf,
  forwardedModelHeaders,
  modelHeadersOf,
  type ModelCall,
  type ModelTransport,
} from './transport';
