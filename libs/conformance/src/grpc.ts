import type { Metadata } from '@grpc/grpc-js';
import {
  credentials,
  makeClientConstructor,
  type CallOptions,
  type Client,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { grpcCall as call } from '@fig/testing';

export { grpcCall as call, grpcFailure as failure } from '@fig/testing';

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

type CheckMethod = Unary<{ service: string }, { status: string }>;
const HealthClient = makeClientConstructor(
  healthService as never,
  'grpc.health.v1.Health',
) as unknown as new (...args: ConstructorParameters<typeof Client>) => Client & {
  check: CheckMethod;
};

/** grpc.health.v1 Check, as a Kubernetes gRPC probe asks it. */
export async function healthStatus(target: string, name: string): Promise<string> {
  const client = new HealthClient(target, credentials.createInsecure());
  try {
    return (await call(client, client.check, { service: name })).status;
  } finally {
    client.close();
  }
}
