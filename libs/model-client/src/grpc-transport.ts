import {
  credentials,
  Metadata,
  status,
  type ChannelOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import { AppError } from '@fig/errors';
import { fromGrpcError, model as pb, modelServiceName } from '@fig/proto';
import type { Sentiment } from '@fig/sentiment';
import type { ModelTransport } from './transport';

export interface GrpcTransportOptions {
  /** Extra channel options, for tests and tuning. */
  channelOptions?: ChannelOptions;
}

const labels: Record<pb.SentimentLabel, Sentiment['label'] | undefined> = {
  [pb.SentimentLabel.SENTIMENT_LABEL_POSITIVE]: 'positive',
  [pb.SentimentLabel.SENTIMENT_LABEL_NEUTRAL]: 'neutral',
  [pb.SentimentLabel.SENTIMENT_LABEL_NEGATIVE]: 'negative',
  [pb.SentimentLabel.SENTIMENT_LABEL_UNSPECIFIED]: undefined,
  [pb.SentimentLabel.UNRECOGNIZED]: undefined,
};

/**
 * Round robin over every address the name resolves to (one connection per
 * model-svc pod), and transparent retries of UNAVAILABLE: scoring is a pure
 * function, so a call that met a pod on its way out is simply sent again
 * (a rolling update of model-svc loses no call). The deadline is the model
 * client's, set per call.
 */
export function modelServiceConfig() {
  return {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: [{ service: modelServiceName }],
        // Wait for a connection within the deadline rather than fail at once
        // while a rollout replaces every pod (ADR 0121).
        waitForReady: true,
        retryPolicy: {
          maxAttempts: 3,
          initialBackoff: '0.05s',
          maxBackoff: '0.2s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
    // As for the store: a real outage stops being multiplied by the retries.
    retryThrottling: { maxTokens: 100, tokenRatio: 0.1 },
  };
}

/**
 * A failed call as one of our codes: the model refusing the text keeps its
 * field-level error (VALIDATION_FAILED, never counted against the circuit);
 * anything else means the model is unavailable, late or confused.
 */
function toModelError(err: ServiceError, signal: AbortSignal): unknown {
  // Our own deadline (the client's AbortSignal) cancels the call: report it as the timeout it is.
  if (signal.aborted) return signal.reason;
  switch (err.code) {
    case status.INVALID_ARGUMENT: {
      const refused = fromGrpcError(err);
      return refused.code === 'VALIDATION_FAILED'
        ? refused
        : new AppError('VALIDATION_FAILED', 'The sentiment model refused the text', undefined, {
            cause: err,
          });
    }
    case status.DEADLINE_EXCEEDED:
      return new AppError(
        'UPSTREAM_TIMEOUT',
        'The sentiment model did not answer in time',
        undefined,
        {
          cause: err,
        },
      );
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return new AppError('UPSTREAM_UNAVAILABLE', 'The sentiment model is unavailable', undefined, {
        cause: err,
      });
    default:
      return new AppError(
        'BAD_GATEWAY',
        `The sentiment model failed (${status[err.code]})`,
        undefined,
        {
          cause: err,
        },
      );
  }
}

/** What a replica on its way out answers: worth asking another, for a pure call. */
const leaving = new Set<number>([status.UNAVAILABLE, status.CANCELLED]);

/**
 * The model as `fig.model.v1.ModelService` over gRPC (the Python model-svc,
 * MODEL_ADDR such as `dns:///model-svc:50052`). The caller's headers (the A/B
 * header `x-fig-model`) travel as metadata, where a mesh routes on them as on
 * HTTP headers; trace context is added by the OpenTelemetry gRPC instrumentation.
 */
export function grpcTransport(target: string, options: GrpcTransportOptions = {}): ModelTransport {
  const client = new pb.ModelServiceClient(target, credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify(modelServiceConfig()),
    'grpc.service_config_disable_resolution': 1,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    // Re-resolve soon after a pod leaves (ADR 0121).
    'grpc.dns_min_time_between_resolutions_ms': 1_000,
    // A restarted model-svc at the same address is found in about a second, not grpc-js's 120 s.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
    'grpc.max_receive_message_length': 64 * 1024,
    // No Fig process serves channelz: skip its per-call bookkeeping (as the store client).
    'grpc.enable_channelz': 0,
    ...options.channelOptions,
  });

  function unary<Req, Res>(
    method: (
      request: Req,
      metadata: Metadata,
      options: { signal?: AbortSignal },
      callback: (err: ServiceError | null, res: Res) => void,
    ) => { cancel(): void },
    request: Req,
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Res> {
    // The channel's retry policy stops once a reply has begun: an UNAVAILABLE
    // after that, or the CANCELLED of a server stopping (RST_STREAM), would
    // reach the caller. Every ModelService method is pure, so ask once more,
    // within the same deadline. Our own deadline's cancel is never retried.
    const attempt = (mayResume: boolean): Promise<Res> =>
      new Promise<Res>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const metadata = new Metadata();
        for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
        const call = method.call(client, request, metadata, {}, (err, res) => {
          signal.removeEventListener('abort', cancel);
          if (!err) resolve(res);
          else if (mayResume && leaving.has(err.code) && !signal.aborted)
            attempt(false).then(resolve, reject);
          else reject(toModelError(err, signal));
        });
        const cancel = () => call.cancel();
        signal.addEventListener('abort', cancel, { once: true });
      });
    return attempt(true);
  }

  return {
    target,
    async score(text, { signal, requestId, headers }) {
      const res = await unary<pb.ScoreRequest, pb.ScoreResponse>(
        client.score as never,
        { text },
        signal,
        { ...headers, ...(requestId ? { 'x-request-id': requestId } : {}) },
      );
      const sentiment = res.sentiment;
      // The shape check (isSentiment) is the client's: an unknown label stays visible to it.
      return sentiment
        ? {
            label: labels[sentiment.label] ?? sentiment.label,
            score: sentiment.score,
            model: sentiment.model,
          }
        : undefined;
    },
    async info(signal) {
      const res = await unary<pb.DescribeRequest, pb.DescribeResponse>(
        client.describe as never,
        {},
        signal,
      );
      return { model: res.model };
    },
    close: async () => client.close(),
  };
}
