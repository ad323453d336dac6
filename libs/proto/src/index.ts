export * from './generated/fig/store/v1/store';
export { descriptorSetBase64 } from './generated/descriptor-set';
export { errorDomain, fromGrpcError, grpcStatusOf, modelErrorDomain, toGrpcStatus } from './status';
/** fig.model.v1 (ModelService); a namespace, as its Sentiment types differ from the store's. */
export * as model from './generated/fig/model/v1/model';
/**
 * grpc.health.v1, generated with the contract: its client and server need no
 * .proto parsed at start (grpc-health-check loads protobufjs to read its own).
 */
export * as health from './generated/grpc/health/v1/health';
export {
  entryFromProto,
  entryToProto,
  labelOf,
  pageFromProto,
  pageToProto,
  sentimentFromProto,
  sentimentToProto,
  statsFromProto,
  statsToProto,
} from './entries';

/** The fully qualified service name, as health checks and reflection know it. */
export const storeServiceName = 'fig.store.v1.StoreService';

/** The fully qualified name of the model service. */
export const modelServiceName = 'fig.model.v1.ModelService';
