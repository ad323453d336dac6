import type { Metadata } from '@grpc/grpc-js';
import { credentials, makeClientConstructor, type Client } from '@grpc/grpc-js';
import { service } from 'grpc-health-check';
import { grpcCall as call } from '@fig/testing';

type CheckMethod = (
  request: { service: string },
  metadata: Metadata,
  options: object,
  callback: (error: Error | null, response: { status: string }) => void,
) => never;

const HealthClient = makeClientConstructor(
  service as never,
  'grpc.health.v1.Health',
) as unknown as new (...args: ConstructorParameters<typeof Client>) => Client & {
  check: CheckMethod;
  watch: (request: { service: string }) => NodeJS.ReadableStream & { cancel(): void };
};

/** A grpc.health.v1 client, as Kubernetes' gRPC probe or grpc-health-probe would use. */
export function healthClient(port: number) {
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    /** SERVING / NOT_SERVING, or the error code's name when the call itself fails. */
    status: (name = '') =>
      call(client, client.check as never, { service: name }, { deadlineMs: 500 }).then(
        (res) => (res as { status: string }).status,
        (err: { code?: number }) => `error ${err.code}`,
      ),
    /** Every status a Watch stream sends, as it arrives. */
    watch(name = '') {
      const seen: string[] = [];
      const stream = client.watch({ service: name });
      stream.on('data', (m: { status: string }) => seen.push(m.status));
      stream.on('error', () => undefined);
      return { seen, cancel: () => stream.cancel() };
    },
    close: () => client.close(),
  };
}
