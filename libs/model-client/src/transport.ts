import { AppError } from '@fig/errors';

export interface ModelCall {
  signal: AbortSignal;
  /** Passed on so the model's logs can be joined to the caller's. */
  requestId?: string;
  /**
   * Request headers that travel on to the model (HTTP headers, or gRPC
   * metadata): `x-fig-model`, the A/B header a gateway or mesh routes on.
   */
  headers?: Record<string, string>;
}

/** The request headers a model call carries on from the caller's request. */
export const forwardedModelHeaders = ['x-fig-model'] as const;

/** The headers of `incoming` (a request's) that a model call carries on. */
export function modelHeadersOf(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of forwardedModelHeaders) {
    const value = incoming[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  return out;
}

/**
 * How a model client reaches the model: the only part that knows the wire.
 * The model is the monolith's HTTP `POST /api/sentiment` (httpTransport) or
 * `fig.model.v1.ModelService` over gRPC, the Python model-svc (grpcTransport).
 */
export interface ModelTransport {
  /** Where the model is, for messages and logs. */
  readonly target: string;
  /** The model's answer for `text`, not yet checked; rejects with an AppError when the model refused. */
  score(text: string, call: ModelCall): Promise<unknown>;
  /** The model's description of itself (for readiness); rejects when it cannot be reached. */
  info(signal: AbortSignal): Promise<{ model?: unknown }>;
  close(): Promise<void>;
}

/** A 4xx other than 408/429 says the request was wrong, not that the model is unwell. */
const refusesInput = (status: number) =>
  status >= 400 && status < 500 && status !== 408 && status !== 429;

/** The body of an HTTP answer from the model, or the coded error its status means. */
export function answerOf(status: number, body: unknown): unknown {
  if (status === 200) return body;
  if (refusesInput(status)) {
    throw new AppError('VALIDATION_FAILED', `The sentiment model refused the text (${status})`);
  }
  throw new AppError(
    status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'BAD_GATEWAY',
    `The sentiment model answered ${status}`,
  );
}
