import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from '@fig/logging';
import type { GatewayMetrics } from '../metrics';
import type { Exchange } from '../proxy/exchange';
import type { ResponseTap } from '../proxy/forward';
import { upstreamRequestHeaders } from '../proxy/headers';
import type { Upstream } from '../upstreams/upstream';
import { compareAnswers, fieldOf, type Answer } from './compare';

/** Distinct fields counted per route; any further ones are counted as `other`. */
const maxFieldsPerRoute = 32;

/** Bodies larger than this are not kept for comparison (only the status is compared). */
const maxBodyBytes = 1024 * 1024;

/** Request bodies of mirrored (side-effect-free) requests kept for the candidate; larger ones are not mirrored. */
export const maxMirroredBodyBytes = 64 * 1024;

/**
 * Produces the candidate's answer to the same request. `body` is the
 * request's body, read once for both (a mirrored POST); absent for GET/HEAD.
 */
export type Candidate = (ex: Exchange, timeoutMs: number, body?: Buffer) => Promise<Answer>;

/** A request body read once for the primary and the candidate. */
export interface ReadBody {
  /** The bytes read: the whole body when `whole`, else its first part. */
  bytes: Buffer;
  whole: boolean;
  /** What the primary sends upstream: the bytes, then whatever was left unread. */
  forward(): Buffer | Readable;
}

/**
 * Reads a request's body up to `limit` bytes. Bodies are otherwise streamed,
 * never buffered; a side-effect-free route's sampled POST is the one
 * exception, as both the primary and the candidate must see it.
 */
export async function readBody(
  req: IncomingMessage,
  limit = maxMirroredBodyBytes,
): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!req.complete) {
    const iterator = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    while (size <= limit) {
      const next = await iterator.next();
      if (next.done) break;
      chunks.push(next.value);
      size += next.value.length;
    }
    if (size > limit) {
      const bytes = Buffer.concat(chunks);
      const rest = async function* () {
        yield bytes;
        for (let next = await iterator.next(); !next.done; next = await iterator.next())
          yield next.value;
      };
      return { bytes, whole: false, forward: () => Readable.from(rest()) };
    }
  }
  const bytes = Buffer.concat(chunks);
  return { bytes, whole: true, forward: () => bytes };
}

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
  return async (ex, timeoutMs, body) => {
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
      body: body ?? null,
    });
    return { status: res.statusCode, body: await readLimited(res.body) };
  };
}

/**
 * The parallel run: a sampled share of safe requests (GET/HEAD, or any
 * request of a route declared side-effect free) is also sent to a candidate,
 * whose answer is compared with the primary's once both are in.
 * Nothing here is on the request path: the primary streams to the client as
 * usual while a tap keeps a copy, and the candidate's fate (slow, failing,
 * different) only ever reaches metrics and logs.
 */
export class Mirror {
  private lastLogged = new Map<string, number>();
  private readonly fields = new Map<string, Set<string>>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Whether this request is mirrored: its route's sample, and only a safe
   * method unless the route is declared side-effect free (the route-table
   * validator already refuses anything else; this is the second lock).
   */
  sampled(ex: Exchange, spec: MirrorSpec, sideEffectFree: boolean): boolean {
    const method = ex.req.method;
    if (method !== 'GET' && method !== 'HEAD' && !sideEffectFree) return false;
    return Math.random() * 100 < spec.percent;
  }

  /** Starts the candidate (with the request's body, when it has one) and taps the primary's answer. */
  begin(ex: Exchange, spec: MirrorSpec, candidate: Candidate, body?: Buffer): ResponseTap {
    const method = ex.req.method;
    const started = performance.now();
    const candidateAnswer = candidate(ex, spec.timeoutMs, body).then(
      (answer) => {
        // The candidate's latency before any client depends on it: a p99 gate can judge it at the mirror step.
        this.metrics.shadowDuration.labels(ex.route).observe((performance.now() - started) / 1000);
        return answer;
      },
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
          body: method !== 'HEAD' && size <= maxBodyBytes ? Buffer.concat(chunks) : undefined,
        }),
      error: () => finish(undefined),
    };
  }

  /** A sampled request that could not be mirrored (its body was too large to keep): counted, not compared. */
  skip(ex: Exchange): undefined {
    this.metrics.shadow.labels(ex.route, 'skipped').inc();
    return undefined;
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
    for (const field of new Set(diffs.map(fieldOf)))
      this.metrics.shadowDifferences.labels(route, this.bounded(route, field)).inc();
    if (diffs.length)
      this.sample(route, { req_id: ex.id, url: ex.req.url, diffs }, 'shadow mismatch');
  }

  /** The field as a metric label, or `other` once the route has counted maxFieldsPerRoute distinct ones. */
  private bounded(route: string, field: string): string {
    let known = this.fields.get(route);
    if (!known) this.fields.set(route, (known = new Set()));
    if (known.has(field)) return field;
    if (known.size >= maxFieldsPerRoute) return 'other';
    known.add(field);
    return field;
  }

  /** At most one line per route per second: a broken candidate must not flood the logs. */
  private sample(route: string, fields: object, message: string) {
    const now = Date.now();
    if (now - (this.lastLogged.get(route) ?? 0) < 1_000) return;
    this.lastLogged.set(route, now);
    this.logger.warn({ route, ...fields }, message);
  }
}
