import { Metadata, type Client } from '@grpc/grpc-js';
import type { Check } from '@fig/service';
import { health, storeServiceName } from '@fig/proto';

const { HealthClient, HealthCheckResponse_ServingStatus: ServingStatus } = health;

/**
 * A readiness check (for @fig/service's /readyz): is StoreService SERVING, by
 * store-svc's standard health service, over the store client's own channel so
 * it tests the connections real calls use. The client is generated with the
 * contract (@fig/proto), so no .proto is parsed at start (ADR 0019).
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
  const client = new HealthClient('unused', null as never, { channelOverride: channel });
  const probe = () =>
    new Promise<string>((resolve, reject) =>
      client.check(
        { service: storeServiceName },
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, response) => {
          if (err)
            return reject(new Error(`store health check failed: ${err.details || err.message}`));
          const status = ServingStatus[response.status] ?? 'UNKNOWN';
          if (response.status !== ServingStatus.SERVING)
            return reject(new Error(`store is ${status}`));
          resolve(status);
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
