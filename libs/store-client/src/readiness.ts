import { makeClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import type { Check } from '@fig/service';
import { storeServiceName } from '@fig/proto';
import { service as healthService } from 'grpc-health-check';

type HealthClient = Client & {
  check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: { status: string }) => void,
  ): void;
};

const HealthClientConstructor = makeClientConstructor(
  healthService as unknown as Parameters<typeof makeClientConstructor>[0],
  'grpc.health.v1.Health',
) as unknown as new (...args: ConstructorParameters<typeof Client>) => HealthClient;

/**
 * A readiness check (for @fig/service's /readyz): is StoreService SERVING, by
 * store-svc's standard health service, over the store client's own channel so
 * it tests the connections real calls use.
 *
 * The question is whether the store *service* can serve, not one replica: a
 * replica that is draining says NOT_SERVING for itself, and if the answer
 * hung on whichever replica round robin picked, one store-svc rollout would
 * fail the readiness of every frontend at once. So `probes` checks go out
 * together (round robin spreads them over the replicas) and any SERVING
 * answer is enough.
 */
export function storeCheck(
  store: Client,
  { name = 'store', timeoutMs = 1_000, probes = 3 } = {},
): Check {
  const channel = store.getChannel();
  const health = new HealthClientConstructor('unused', null as never, { channelOverride: channel });
  const probe = () =>
    new Promise<string>((resolve, reject) =>
      health.check(
        { service: storeServiceName },
        { deadline: Date.now() + timeoutMs },
        (err, response) => {
          if (err)
            return reject(new Error(`store health check failed: ${err.details || err.message}`));
          if (response?.status !== 'SERVING')
            return reject(new Error(`store is ${response?.status ?? 'UNKNOWN'}`));
          resolve(response.status);
        },
      ),
    );
  return {
    name,
    run: () =>
      Promise.any(Array.from({ length: probes }, probe)).catch((all: AggregateError) => {
        throw all.errors[0] as Error;
      }),
  };
}
