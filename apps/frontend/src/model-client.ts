import { Pool } from 'undici';
import { AppError } from '@fig/errors';
import type { Scorer } from '@fig/guestbook-web';
import type { Check } from '@fig/health';
import type { Sentiment } from '@fig/sentiment';
import { CircuitOpenError, type CircuitBreaker } from './breaker';

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
 * Trace context rides along through the undici instrumentation.
 */
export function createModelClient({
  baseUrl,
  timeoutMs,
  breaker,
  connections = 16,
}: ModelClientOptions): ModelClient {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const pool = new Pool(base.origin, {
    connections,
    connectTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const path = (relative: string) => new URL(relative, base).pathname;

  async function request(
    method: 'GET' | 'POST',
    relative: string,
    signal: AbortSignal,
    body?: unknown,
  ) {
    const res = await pool.request({
      method,
      path: path(relative),
      signal,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new AppError(
        res.statusCode === 503 ? 'UPSTREAM_UNAVAILABLE' : 'BAD_GATEWAY',
        `The sentiment model answered ${res.statusCode}`,
      );
    }
    return res.body.json();
  }

  async function callModel(text: string): Promise<Sentiment> {
    const answer = await request('POST', 'api/sentiment', AbortSignal.timeout(timeoutMs), { text });
    if (!isSentiment(answer))
      throw new AppError('BAD_GATEWAY', 'The sentiment model sent an answer of the wrong shape');
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
        if (breaker.state === 'open') throw new Error(`circuit open to ${base.origin}`);
        const info = (await request('GET', 'api/info', signal)) as { model?: string };
        return { circuit: breaker.state, model: info.model };
      },
    },
    close: () => pool.close(),
  };
}
