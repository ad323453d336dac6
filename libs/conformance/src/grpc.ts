import { credentials, makeClientConstructor, type Client } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { grpcCall as call, type GrpcUnary } from '@fig/testing';

export { grpcCall as call, grpcFailure as failure } from '@fig/testing';

type CheckMethod = GrpcUnary<{ service: string }, { status: string }>;
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
