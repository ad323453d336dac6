import {
  credentials,
  makeClientConstructor,
  Metadata,
  type CallOptions,
  type Client,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** A unary call as a promise, always with a deadline: a suite must never hang. */
export function call<Req, Res>(
  client: object,
  method: Unary<Req, Res>,
  request: Req,
  deadlineMs = 5_000,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(
      client,
      request,
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
}

/** The error of a call that must fail. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}

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
