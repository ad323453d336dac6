import type { Sentiment } from '@fig/sentiment';
import type { Upstream } from '../upstreams/upstream';

const timeoutMs = 2_000;

/** Scores text with the model behind an upstream (the monolith's POST /api/sentiment). */
export async function scoreWith(
  upstream: Upstream,
  text: string,
  requestId: string,
): Promise<Sentiment> {
  const endpoint = upstream.pick();
  if (!endpoint) throw new Error(`no endpoint of ${upstream.name} is available`);
  const res = await endpoint.pool.request({
    path: '/api/sentiment',
    method: 'POST',
    headers: ['content-type', 'application/json', 'x-request-id', requestId],
    body: JSON.stringify({ text }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const body = await res.body.text();
  if (res.statusCode !== 200)
    throw new Error(`scorer answered ${res.statusCode}: ${body.slice(0, 200)}`);
  return JSON.parse(body) as Sentiment;
}
