import { credentials, type ChannelOptions } from '@grpc/grpc-js';
import { storeServiceName, StoreServiceClient } from '@fig/proto';
import { resumeSafeCallsInterceptor, type Resumable } from './resume-safe-calls';

export interface StoreClientOptions {
  /** gRPC target, e.g. `dns:///store-svc:50051` (STORE_ADDR). */
  target: string;
  /** Deadline of unary calls that do not set their own. */
  deadlineMs?: number;
  /** Attempts (first try included) of safe calls that fail UNAVAILABLE. */
  maxAttempts?: number;
  /** Extra channel options, for tests and tuning. */
  channelOptions?: ChannelOptions;
}

// grpc-js 1.14 misreads a string timeout such as "0.5s" as 5 ns (it does not
// pad the fraction), so the deadline is given in the object form it also takes.
const duration = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

/**
 * The channel's service config: round robin over every address the name
 * resolves to (one connection per store-svc pod, rather than pinning all
 * traffic to the first), default deadlines, and transparent retries of
 * UNAVAILABLE for calls that are safe to repeat. AddEntry, IncrementVisits and
 * VisitPage are not retried here: a lost reply may hide a write that happened.
 */
const safeMethods = ['ListEntries', 'GetStats'];

export function storeServiceConfig({ deadlineMs = 2_000, maxAttempts = 3 } = {}) {
  const safe = safeMethods.map((method) => ({ service: storeServiceName, method }));
  return {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: [...safe, { service: 'grpc.health.v1.Health', method: 'Check' }],
        timeout: duration(deadlineMs),
        // While a rollout swaps every replica, the channel may briefly have
        // no connection: wait for one within the deadline instead of failing
        // at once. Nothing has been sent yet, so this is safe for writes too.
        waitForReady: true,
        retryPolicy: {
          maxAttempts,
          initialBackoff: '0.05s',
          maxBackoff: '0.2s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
      {
        name: ['AddEntry', 'IncrementVisits', 'VisitPage'].map((method) => ({
          service: storeServiceName,
          method,
        })),
        timeout: duration(deadlineMs),
        waitForReady: true,
      },
    ],
    // A token bucket: each failure takes a token, each success gives back 0.1,
    // and retries stop below half. 100 tokens let a replica dying under a few
    // dozen concurrent calls be retried in full, while a real outage still
    // stops being multiplied by the retry count after ~50 failures.
    retryThrottling: { maxTokens: 100, tokenRatio: 0.1 },
  };
}

/**
 * A StoreService client for frontend and gateway. Trace context travels in
 * metadata through the OpenTelemetry gRPC instrumentation loaded at start-up.
 */
const reads = new Set(safeMethods.map((method) => `/${storeServiceName}/${method}`));
const addEntry = `/${storeServiceName}/AddEntry`;

/**
 * Reads are resumed after their headers (the retry policy has the rest). A
 * write is asked again only with an idempotency key: the store then answers a
 * repeated key with the entry it already wrote, so a lost reply never makes a
 * second entry. GrpcGuestbook gives every write a key for that reason.
 */
const resumable: Resumable = (path, request) => {
  if (reads.has(path)) return 'after-headers';
  const key = path === addEntry ? (request as { idempotencyKey?: string }).idempotencyKey : '';
  return key ? 'always' : 'never';
};

export function createStoreClient({
  target,
  deadlineMs = 2_000,
  maxAttempts,
  channelOptions,
}: StoreClientOptions): StoreServiceClient {
  return new StoreServiceClient(target, credentials.createInsecure(), {
    interceptors: [resumeSafeCallsInterceptor(resumable, deadlineMs)],
    'grpc.service_config': JSON.stringify(storeServiceConfig({ deadlineMs, maxAttempts })),
    // The config above is the whole policy; do not look for one in DNS TXT records.
    'grpc.service_config_disable_resolution': 1,
    // Keepalive finds a dead store-svc (pod gone without a FIN) in ~40 s.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    // Re-resolve soon after a replica leaves: in a rolling update the last
    // old pod goes a few seconds after the first, and a 5 s floor left the
    // channel with no address for the gap (ADR 0121).
    'grpc.dns_min_time_between_resolutions_ms': 1_000,
    'grpc.max_receive_message_length': 1024 * 1024,
    // Channelz keeps per-call counters, timestamps and closures at three
    // levels (channel, subchannel, socket) for a channelz service no Fig
    // process serves.
    'grpc.enable_channelz': 0,
    ...channelOptions,
  });
}
