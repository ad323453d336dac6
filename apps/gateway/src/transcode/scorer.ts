import { CircuitBreaker } from '@fig/breaker';
import { AppError } from '@fig/errors';
import {
  answerOf,
  createModelClient,
  grpcTransport,
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
    forwarded: Record<string, string> = {},
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
        ...Object.entries(forwarded).flat(),
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
    score: (text, { signal, requestId, headers }) =>
      send('POST', '/api/sentiment', signal, JSON.stringify({ text }), requestId, headers),
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

/** How ModelService is reached for a target; grpcTransport, or a spec's own. */
export type ModelTransportFactory = (target: string) => ModelTransport;

/**
 * One model client per ModelService target named in the route table
 * (`transcode.model`, e.g. ${MODEL_ADDR}), each with its own breaker: the
 * gateway's rule for upstreams (half of at least 5 calls failing in 10 s
 * opens it for 5 s). Kept across route reloads, so a circuit is not reset
 * by an unrelated edit of the file.
 */
export class ModelTargets {
  private readonly clients = new Map<string, ModelClient>();

  constructor(private readonly transport: ModelTransportFactory = grpcTransport) {}

  for(target: string): ModelClient {
    let client = this.clients.get(target);
    if (!client) {
      client = createModelClient({
        transport: this.transport(target),
        timeoutMs,
        breaker: new CircuitBreaker({
          minFailures: 5,
          failureRatio: 0.5,
          windowMs: 10_000,
          openMs: 5_000,
        }),
      });
      this.clients.set(target, client);
    }
    return client;
  }

  async close() {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
