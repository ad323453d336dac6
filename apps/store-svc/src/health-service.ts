import { status as grpcStatus, type Server, type ServerWritableStream } from '@grpc/grpc-js';
import { health } from '@fig/proto';

const { HealthService, HealthCheckResponse_ServingStatus: Wire } = health;
type Response = health.HealthCheckResponse;
type WatchCall = ServerWritableStream<health.HealthCheckRequest, Response>;

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/**
 * The server side of grpc.health.v1.Health: Check answers the status set for
 * a service (NOT_FOUND for one never set), Watch sends it at once and then at
 * every setStatus, SERVICE_UNKNOWN while it is not set. Written here on the
 * generated stubs rather than taken from grpc-health-check, which parses its
 * .proto with protobufjs when loaded (ADR 0019).
 */
export class HealthStatuses {
  private readonly statuses: Map<string, ServingStatus>;
  private readonly watchers = new Map<string, Set<WatchCall>>();

  constructor(initial: Record<string, ServingStatus>) {
    this.statuses = new Map(Object.entries(initial));
  }

  setStatus(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const call of this.watchers.get(service) ?? []) call.write({ status: Wire[status] });
  }

  addToServer(server: Server): void {
    const implementation: health.HealthServer = {
      check: (call, callback) => {
        const status = this.statuses.get(call.request.service);
        if (status) return callback(null, { status: Wire[status] });
        callback({
          code: grpcStatus.NOT_FOUND,
          details: `no health status for service "${call.request.service}"`,
        });
      },
      watch: (call) => this.watch(call),
    };
    server.addService(HealthService, implementation);
  }

  private watch(call: WatchCall) {
    const service = call.request.service;
    const set = this.watchers.get(service) ?? new Set<WatchCall>();
    this.watchers.set(service, set);
    set.add(call);
    call.on('cancelled', () => set.delete(call));
    const status = this.statuses.get(service);
    call.write({ status: status ? Wire[status] : Wire.SERVICE_UNKNOWN });
  }
}
