export { freePort, isPortFree } from './ports';
export { startRedis, type RedisServer, type RedisOptions } from './redis';
export { waitFor } from './wait';
export { startProcess, type ManagedProcess, type ProcessOptions } from './process';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export {
  requireBuilt,
  serviceCommand,
  startBundle,
  workspaceRoot,
  type BundleOptions,
  type RunningBundle,
  type ServiceCommand,
} from './bundle';
export { closeAtEnd, startAll } from './leaks';
export { listenOnLoopback, type LoopbackServer } from './http-server';
export { call as grpcCall, failure as grpcFailure, type Unary as GrpcUnary } from './grpc';
export { openEventStream, type EventStreamReader } from './event-stream';
