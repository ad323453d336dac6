import { AppError } from '@fig/errors';
import {
  answerOf,
  createModelClient,
  type ModelClient,
  type ModelTransport,
} from '@fig/model-client';
import type { Upstream } from '../upstreams/upstream';

/** The deadline of a transcoded write's call to the model, as the monolith's callers had it. */
const timeoutMs = 2_000;

/** No endpoint of the upstream could be tried: the model was never reached. */
class NoEndpointError extends AppError {
  constructor(upstream: string) {
    super('UPSTREAM_UNAVAILABLE', `No endpoint of ${upstream} is available`);
  }
}

/** The model behind a gateway upstream (the monolith's POST /api/sentiment), over its pools. */
function upstreamTransport(upstream: Upstream): ModelTransport {
  async function send(
    method: 'GET' | 'POST',
    path: string,
    signal: AbortSignal,
    body?: string,
    requestId?: string,
  ) {
    const endpoint = upstream.pick();
    if (!endpoint) throw new NoEndpointError(upstream.name);
    const res = await endpoint.pool.request({
      path,
      method,
      signal,
      headers: [
        'accept',
        'application/json',
        ...(body ? ['content-type', 'application/json'] : []),
        ...(requestId ? ['x-request-id', requestId] : []),
      ],
      body: body ?? null,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return answerOf(res.statusCode, json);
  }

  return {
    target: upstream.name,
    score: (text, { signal, requestId }) =>
      send('POST', '/api/sentiment', signal, JSON.stringify({ text }), requestId),
    info: async (signal) => ((await send('GET', '/api/info', signal)) ?? {}) as { model?: unknown },
    // The pools belong to the upstream, which closes them.
    close: async () => {},
  };
}

/**
 * One model client per scorer upstream, sharing that upstream's circuit
 * breaker with the proxied traffic: when the monolith fails, writes stop
 * waiting on it too, and are saved unscored.
 */
export class Scorers {
  private readonly clients = new WeakMap<Upstream, ModelClient>();

  for(upstream: Upstream): ModelClient {
    let client = this.clients.get(upstream);
    if (!client) {
      client = createModelClient({
        transport: upstreamTransport(upstream),
        timeoutMs,
        breaker: upstream.breaker,
        countsAsFailure: (err) => !(err instanceof NoEndpointError),
      });
      this.clients.set(upstream, client);
    }
    return client;
  }
}
