import { CircuitOpenError, type CircuitBreaker } from '@fig/breaker';
import { AppError } from '@fig/errors';
import { isSentiment, type Sentiment } from '@fig/sentiment';
import type { Check } from '@fig/service';
import type { ModelTransport } from './transport';

export interface ModelClientOptions {
  transport: ModelTransport;
  /** Deadline of each call: a slow model costs a write at most this long. */
  timeoutMs: number;
  /** Guards the model; may be shared with other traffic to the same upstream (the gateway's). */
  breaker: CircuitBreaker;
  /**
   * Whether an error says the model is unwell; others (a call that never
   * reached it) leave the breaker alone. All count by default, except the
   * model refusing the text (a 4xx other than 408/429), which never does.
   */
  countsAsFailure?: (err: unknown) => boolean;
}

export interface ScoreOptions {
  requestId?: string;
  /** Headers carried on to the model (see ModelCall.headers). */
  headers?: Record<string, string>;
}

export interface ModelClient {
  /** The model's score; rejects with a coded AppError whenever there is none. */
  score(text: string, options?: ScoreOptions): Promise<Sentiment>;
  /** A non-critical readiness check: callers serve (entries unscored) without the model. */
  check: Check;
  close(): Promise<void>;
}

/** The model refusing the text is the caller's mistake, not the model failing. */
const isRefusal = (err: unknown) => err instanceof AppError && err.code === 'VALIDATION_FAILED';

/** Every way the call can fail becomes one of our stable codes, so callers branch on `code`. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof CircuitOpenError) {
    return new AppError(
      'UPSTREAM_UNAVAILABLE',
      'The sentiment model is unavailable',
      { retryAfterSeconds: Math.ceil(err.retryInMs / 1000) },
      { cause: err },
    );
  }
  if ((err as Error).name === 'TimeoutError') {
    return new AppError(
      'UPSTREAM_TIMEOUT',
      'The sentiment model did not answer in time',
      undefined,
      { cause: err },
    );
  }
  return new AppError('UPSTREAM_UNAVAILABLE', 'The sentiment model is unavailable', undefined, {
    cause: err,
  });
}

/**
 * The sentiment model as every caller sees it (the frontend, the gateway's
 * transcoded writes): a deadline on every call, a circuit breaker in front,
 * and the answer's shape checked, so a slow, dead or confused model costs a
 * write at most one timeout and, once the circuit opens, nothing at all.
 * How the model is reached is the transport's business.
 */
export function createModelClient({
  transport,
  timeoutMs,
  breaker,
  countsAsFailure,
}: ModelClientOptions): ModelClient {
  async function callModel(text: string, options: ScoreOptions): Promise<Sentiment> {
    const signal = AbortSignal.timeout(timeoutMs);
    const answer = await transport.score(text, { signal, ...options });
    if (!isSentiment(answer)) {
      throw new AppError('BAD_GATEWAY', 'The sentiment model sent an answer of the wrong shape');
    }
    return answer;
  }

  return {
    async score(text, options = {}) {
      try {
        return await breaker.run(() => callModel(text, options), {
          countsAsFailure: (err) => !isRefusal(err) && (countsAsFailure?.(err) ?? true),
        });
      } catch (err) {
        throw toAppError(err);
      }
    },
    check: {
      name: 'model',
      critical: false,
      // An open circuit already says the model is down: no need to knock.
      async run(signal) {
        if (breaker.state === 'open') throw new Error(`circuit open to ${transport.target}`);
        const info = await transport.info(signal);
        return { circuit: breaker.state, model: info.model };
      },
    },
    close: () => transport.close(),
  };
}
