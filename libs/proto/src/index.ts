export * from './generated/fig/store/v1/store';
export { descriptorSetBase64 } from './generated/descriptor-set';
export { errorDomain, fromGrpcError, grpcStatusOf, toGrpcStatus } from './status';
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
