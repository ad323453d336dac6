import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { AppError, errorBody, isAppError } from '@fig/errors';
import {
  parsePageSize,
  validateIdempotencyKey,
  validateNewEntry,
  validateSentimentRequest,
  type GuestbookStore,
} from '@fig/guestbook';
import type { Logger } from '@fig/logging';
import { modelHeadersOf, type ModelClient } from '@fig/model-client';
import type { Sentiment } from '@fig/sentiment';
import type { Candidate } from '../mirror/mirror';
import type { Exchange } from '../proxy/exchange';
import type { ResponseTap } from '../proxy/forward';
import type { RpcName, TranscodeSpec } from '../routes/schema';
import type { Upstream } from '../upstreams/upstream';
import { readJsonBody } from './json-body';
import { ModelTargets, Scorers, type ModelTransportFactory } from './scorer';

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });

/** The RPCs served by StoreService; Score is ModelService's. */
export const storeRpcs: ReadonlySet<RpcName> = new Set(['ListEntries', 'GetStats', 'AddEntry']);

/** What scores a transcoded write: an HTTP upstream's model, a ModelService, or nothing. */
type EntryScorer = ModelClient | undefined;

/**
 * HTTP/JSON ↔ gRPC: serves the guestbook API from store-svc through the store
 * client, and POST /api/sentiment from ModelService (model-svc), answering
 * byte for byte what the monolith answers for the same request (same
 * validation, same codes, same JSON), so a route can move from the monolith
 * without any client noticing.
 */
export class Transcoder {
  private readonly scorers = new Scorers();
  private readonly models: ModelTargets;

  constructor(
    private readonly store: GuestbookStore | undefined,
    private readonly logger: Logger,
    modelTransport?: ModelTransportFactory,
  ) {
    this.models = new ModelTargets(modelTransport);
  }

  /** Whether this transcoder can serve `rpc` (the store RPCs need a store client). */
  serves(rpc: RpcName): boolean {
    return rpc === 'Score' || this.store !== undefined;
  }

  handle(
    ex: Exchange,
    spec: TranscodeSpec,
    upstreams: Map<string, Upstream>,
    tap?: ResponseTap,
    body?: Buffer,
  ) {
    const service = spec.rpc === 'Score' ? 'model-svc' : 'store-svc';
    ex.upstream = service;
    ex.version = 'transcode';
    void this.answer(ex, spec, upstreams, body).then((answer) => {
      if (ex.res.destroyed) return tap?.error();
      // The JSON goes to the socket as the string it is (node:http encodes it
      // there); a Buffer copy is made only for a mirror that compares bytes.
      const head: string[] = ['content-type', 'application/json; charset=utf-8'];
      head.push('content-length', String(Buffer.byteLength(answer.body)), 'x-request-id', ex.id);
      for (const [name, value] of ex.ctx.defaultHeaders) head.push(name, value);
      if (ex.ctx.servedBy) head.push('x-fig-served-by', `${service}/transcode`);
      for (const name in answer.headers) head.push(name, answer.headers[name]!);
      ex.res.writeHead(answer.status, head);
      ex.res.end(answer.body);
      if (!tap) return;
      tap.start(answer.status, {});
      tap.data(Buffer.from(answer.body));
      tap.end();
    });
  }

  /** The same translation as a mirror candidate: the parallel run before the move. */
  candidate(spec: TranscodeSpec, upstreams: Map<string, Upstream>): Candidate {
    return async (ex, _timeoutMs, body) => {
      const answer = await this.answer(ex, spec, upstreams, body);
      return { status: answer.status, body: Buffer.from(answer.body) };
    };
  }

  private async answer(
    ex: Exchange,
    spec: TranscodeSpec,
    upstreams: Map<string, Upstream>,
    body: Buffer | undefined,
  ): Promise<Answer> {
    try {
      return await this.call(spec, ex, upstreams, body);
    } catch (err) {
      if (!isAppError(err)) {
        ex.ctx.logger.error({ err, req_id: ex.id, route: ex.route }, 'transcoded request failed');
      }
      const error = isAppError(err) ? err : new AppError('INTERNAL');
      const answer = json(
        error.status,
        errorBody(error.code, error.message, error.details?.fields),
      );
      const retryAfter = error.details?.retryAfterSeconds;
      return retryAfter === undefined
        ? answer
        : { ...answer, headers: { 'retry-after': String(retryAfter) } };
    }
  }

  /** The model that scores a write: the route's ModelService, its scorer upstream's, or none. */
  private entryScorer(spec: TranscodeSpec, upstreams: Map<string, Upstream>): EntryScorer {
    const target = modelTarget(spec);
    if (target) return this.models.for(target);
    const upstream = spec.scorer ? upstreams.get(spec.scorer) : undefined;
    return upstream ? this.scorers.for(upstream) : undefined;
  }

  private async call(
    spec: TranscodeSpec,
    ex: Exchange,
    upstreams: Map<string, Upstream>,
    body: Buffer | undefined,
  ): Promise<Answer> {
    const { req } = ex;
    if (spec.rpc === 'Score') {
      // The monolith's own rules first, so a bad request is refused in the same words.
      const text = validateSentimentRequest(await readJsonBody(req, body));
      const sentiment = await this.models
        .for(modelTarget(spec)!)
        .score(text, { requestId: ex.id, headers: modelHeadersOf(req.headers) });
      return json(200, sentiment);
    }
    const store = this.store!;
    switch (spec.rpc) {
      case 'ListEntries': {
        const query = queryOf(req);
        const limit = parsePageSize(query.limit);
        const cursor = query.cursor;
        if (cursor !== undefined && typeof cursor !== 'string')
          throw new AppError('INVALID_CURSOR');
        return json(200, await store.listEntries({ limit, ...(cursor ? { cursor } : {}) }));
      }
      case 'GetStats':
        return json(200, await store.getStats());
      case 'AddEntry': {
        const entry = validateNewEntry(await readJsonBody(req, body));
        const key = validateIdempotencyKey(req.headers['idempotency-key'] as string | undefined);
        const sentiment = await this.scoreOrNull(ex, this.entryScorer(spec, upstreams), entry.text);
        const result = await store.addEntry(entry, sentiment, key);
        return json(result.created ? 201 : 200, result.entry);
      }
    }
  }

  /** As in the monolith, the model is best-effort for writes: an entry is saved unscored rather than lost. */
  private async scoreOrNull(
    ex: Exchange,
    scorer: EntryScorer,
    text: string,
  ): Promise<Sentiment | null> {
    if (!scorer) return null;
    try {
      return await scorer.score(text, {
        requestId: ex.id,
        headers: modelHeadersOf(ex.req.headers),
      });
    } catch (err) {
      this.logger.warn({ err, req_id: ex.id }, 'model unavailable; saving entry unscored');
      return null;
    }
  }

  close(): Promise<void> {
    return this.models.close();
  }
}

/** The route's ModelService target: its one `model`, or one of its weighted `models` (a canary). */
function modelTarget(spec: TranscodeSpec): string | undefined {
  if (!spec.models) return spec.model;
  const total = spec.models.reduce((sum, m) => sum + m.weight, 0);
  let pick = Math.random() * total;
  for (const { model, weight } of spec.models) {
    pick -= weight;
    if (pick < 0) return model;
  }
  return spec.models.at(-1)!.model;
}

/** Express 5's default ("simple") query parser is node:querystring; use the same. */
function queryOf(req: IncomingMessage) {
  const url = req.url ?? '';
  const at = url.indexOf('?');
  return at < 0 ? {} : parseQuery(url.slice(at + 1));
}
