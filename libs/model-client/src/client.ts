import { AppError } from '@fig/errors';
import type { Scorer } from '@fig/guestbook-web';
import type { Check } from '@fig/service';
import type { Sentiment } from '@fig/sentiment';
import { CircuitOpenError, type CircuitBreaker } from './breaker';
import { createJsonClient } from './json-request';

export interface ModelClientOptions {
  /** The monolith's base URL; the model is its /api/sentiment. */
  baseUrl: string;
  timeoutMs: number;
  breaker: CircuitBreaker;
  /** Keep-alive connections to the monolith: enough for bursts, few enough to be polite. */
  connections?: number;
}

export interface ModelClient extends Scorer {
  /** A non-critical readiness check: the frontend serves (entries unscored) without the model. */
  check: Check;
  close(): Promise<void>;
}

const labels = new Set(['positive', 'neutral', 'negative']);

function isSentiment(value: unknown): value is Sentiment {
  const s = value as Partial<Sentiment> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    labels.has(s.label as string) &&
    typeof s.score === 'number' &&
    s.score >= -1 &&
    s.score <= 1 &&
    (s.model === 'v1' || s.model === 'v2')
  );
}

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
 * The sentiment model as the frontend sees it: the monolith's
 * `POST /api/sentiment`, over a keep-alive pool, with a deadline on every
 * call and a circuit breaker in front, so a slow or dead monolith costs a
 * write at most one timeout and, once the circuit opens, nothing at all.
 * Trace context rides along through the HTTP instrumentation.
 */
export function createModelClient({
  baseUrl,
  timeoutMs,
  breaker,
  connections = 16,
}: ModelClientOptions): ModelClient {
  const http = createJsonClient(baseUrl, { maxSockets: connections });
  const origin = new URL(baseUrl).origin;

  async function getJson(
    method: 'GET' | 'POST',
    path: string,
    signal: AbortSignal,
    body?: unknown,
  ) {
    const res = await http.request(method, path, signal, body);
    if (res.status !== 200) {
      throw new AppError(
        res.status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'BAD_GATEWAY',
        `The sentiment model answered ${res.status}`,
      );
    }
    return res.body;
  }

  async function callModel(text: string): Promise<Sentiment> {
    const answer = await getJson('POST', 'api/sentiment', AbortSignal.timeout(timeoutMs), { text });
    if (!isSentiment(answer)) {
      throw new AppError('BAD_GATEWAY', 'The sentiment model sent an answer of the wrong shape');
    }
    return answer;
  }

  return {
    async score(text) {
      try {
        return await breaker.run(() => callModel(text));
      } catch (err) {
        throw toAppError(err);
      }
    },
    check: {
      name: 'model',
      critical: false,
      // An open circuit already says the model is down: no need to knock.
      async run(signal) {
        if (breaker.state === 'open') throw new Error(`circuit open to ${origin}`);
        const info = (await getJson('GET', 'api/info', signal)) as { model?: string } | undefined;
        return { circuit: breaker.state, model: info?.model };
      },
    },
    close: async () => http.close(),
  };
}
