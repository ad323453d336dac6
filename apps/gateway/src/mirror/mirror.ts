import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '@fig/logging';
import type { GatewayMetrics } from '../metrics';
import type { Exchange } from '../proxy/exchange';
import type { ResponseTap } from '../proxy/forward';
import { upstreamRequestHeaders } from '../proxy/headers';
import type { Upstream } from '../upstreams/upstream';
import { compareAnswers, type Answer } from './compare';

/** Bodies larger than this are not kept for comparison (only the status is compared). */
const maxBodyBytes = 1024 * 1024;

/** Produces the candidate's answer to the same request. */
export type Candidate = (ex: Exchange, timeoutMs: number) => Promise<Answer>;

export interface MirrorSpec {
  percent: number;
  ignore: readonly string[];
  timeoutMs: number;
}

async function readLimited(body: Readable): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBodyBytes) chunks.push(chunk);
  }
  return size <= maxBodyBytes ? Buffer.concat(chunks) : undefined;
}

/** A candidate that is another upstream, asked over its own pool. */
export function upstreamCandidate(upstream: Upstream): Candidate {
  return async (ex, timeoutMs) => {
    const endpoint = upstream.pick();
    if (!endpoint) throw new Error(`no endpoint of ${upstream.name} is available`);
    const headers = upstreamRequestHeaders(
      ex.req,
      ex.id,
      ex.ctx.tls ? 'https' : 'http',
      ex.ctx.stripTrace,
    );
    headers.push('x-fig-shadow', '1');
    const res = await endpoint.pool.request({
      path: ex.req.url!,
      method: ex.req.method!,
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, body: await readLimited(res.body) };
  };
}

/**
 * The parallel run: a sampled share of safe requests is also sent to a
 * candidate, whose answer is compared with the primary's once both are in.
 * Nothing here is on the request path: the primary streams to the client as
 * usual while a tap keeps a copy, and the candidate's fate (slow, failing,
 * different) only ever reaches metrics and logs.
 */
export class Mirror {
  private lastLogged = new Map<string, number>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  begin(ex: Exchange, spec: MirrorSpec, candidate: Candidate): ResponseTap | undefined {
    const method = ex.req.method;
    if ((method !== 'GET' && method !== 'HEAD') || Math.random() * 100 >= spec.percent)
      return undefined;
    const candidateAnswer = candidate(ex, spec.timeoutMs).then(
      (answer) => answer,
      (err: unknown) => err as Error,
    );
    let status = 0;
    let size = 0;
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (primary: Answer | undefined) => {
      if (settled) return;
      settled = true;
      void candidateAnswer.then((answer) => this.judge(ex, spec, primary, answer));
    };
    return {
      start: (s: number, _headers: IncomingHttpHeaders) => (status = s),
      data: (chunk) => {
        size += chunk.length;
        if (size <= maxBodyBytes) chunks.push(chunk);
      },
      // A HEAD answer has no body to compare, only its status.
      end: () =>
        finish({
          status,
          body: method === 'GET' && size <= maxBodyBytes ? Buffer.concat(chunks) : undefined,
        }),
      error: () => finish(undefined),
    };
  }

  private judge(
    ex: Exchange,
    spec: MirrorSpec,
    primary: Answer | undefined,
    candidate: Answer | Error,
  ) {
    const route = ex.route;
    if (!primary) return this.metrics.shadow.labels(route, 'skipped').inc();
    if (candidate instanceof Error) {
      this.metrics.shadow.labels(route, 'error').inc();
      return this.sample(
        route,
        { req_id: ex.id, err: candidate.message },
        'shadow candidate failed',
      );
    }
    const diffs = compareAnswers(primary, candidate, spec.ignore);
    this.metrics.shadow.labels(route, diffs.length ? 'mismatch' : 'match').inc();
    if (diffs.length)
      this.sample(route, { req_id: ex.id, url: ex.req.url, diffs }, 'shadow mismatch');
  }

  /** At most one line per route per second: a broken candidate must not flood the logs. */
  private sample(route: string, fields: object, message: string) {
    const now = Date.now();
    if (now - (this.lastLogged.get(route) ?? 0) < 1_000) return;
    this.lastLogged.set(route, now);
    this.logger.warn({ route, ...fields }, message);
  }
}
