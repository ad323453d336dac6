import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { AppError, errorBody, isAppError } from '@fig/errors';
import {
  parsePageSize,
  validateIdempotencyKey,
  validateNewEntry,
  type GuestbookStore,
} from '@fig/guestbook';
import type { Logger } from '@fig/logging';
import type { Sentiment } from '@fig/sentiment';
import type { Candidate } from '../mirror/mirror';
import type { Exchange } from '../proxy/exchange';
import type { ResponseTap } from '../proxy/forward';
import type { RpcName, TranscodeSpec } from '../routes/schema';
import type { Upstream } from '../upstreams/upstream';
import { readJsonBody } from './json-body';
import { Scorers } from './scorer';

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });

/**
 * HTTP/JSON ↔ StoreService: serves the guestbook API from store-svc through
 * the store client, answering byte for byte what the monolith answers for the
 * same request (same validation, same codes, same JSON), so a route can move
 * from the monolith to store-svc without any client noticing.
 */
export class Transcoder {
  private readonly scorers = new Scorers();

  constructor(
    private readonly store: GuestbookStore,
    private readonly logger: Logger,
  ) {}

  handle(ex: Exchange, spec: TranscodeSpec, upstreams: Map<string, Upstream>, tap?: ResponseTap) {
    ex.upstream = 'store-svc';
    ex.version = 'transcode';
    void this.answer(ex, spec, upstreams).then((answer) => {
      const body = Buffer.from(answer.body);
      if (ex.res.destroyed) return tap?.error();
      ex.res.writeHead(answer.status, {
        ...Object.fromEntries(ex.ctx.defaultHeaders),
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
        'x-request-id': ex.id,
        ...(ex.ctx.servedBy ? { 'x-fig-served-by': 'store-svc/transcode' } : {}),
        ...answer.headers,
      });
      ex.res.end(body);
      tap?.start(answer.status, {});
      tap?.data(body);
      tap?.end();
    });
  }

  /** The same translation as a mirror candidate: the parallel run before the move. */
  candidate(spec: TranscodeSpec, upstreams: Map<string, Upstream>): Candidate {
    return async (ex) => {
      const answer = await this.answer(ex, spec, upstreams);
      return { status: answer.status, body: Buffer.from(answer.body) };
    };
  }

  private async answer(
    ex: Exchange,
    spec: TranscodeSpec,
    upstreams: Map<string, Upstream>,
  ): Promise<Answer> {
    try {
      return await this.call(spec.rpc, ex, spec.scorer ? upstreams.get(spec.scorer) : undefined);
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

  private async call(rpc: RpcName, ex: Exchange, scorer: Upstream | undefined): Promise<Answer> {
    const { req } = ex;
    switch (rpc) {
      case 'ListEntries': {
        const query = queryOf(req);
        const limit = parsePageSize(query.limit);
        const cursor = query.cursor;
        if (cursor !== undefined && typeof cursor !== 'string')
          throw new AppError('INVALID_CURSOR');
        return json(200, await this.store.listEntries({ limit, ...(cursor ? { cursor } : {}) }));
      }
      case 'GetStats':
        return json(200, await this.store.getStats());
      case 'AddEntry': {
        const entry = validateNewEntry(await readJsonBody(req));
        const key = validateIdempotencyKey(req.headers['idempotency-key'] as string | undefined);
        const sentiment = await this.scoreOrNull(ex, scorer, entry.text);
        const result = await this.store.addEntry(entry, sentiment, key);
        return json(result.created ? 201 : 200, result.entry);
      }
    }
  }

  /** As in the monolith, the model is best-effort for writes: an entry is saved unscored rather than lost. */
  private async scoreOrNull(
    ex: Exchange,
    scorer: Upstream | undefined,
    text: string,
  ): Promise<Sentiment | null> {
    if (!scorer) return null;
    try {
      return await this.scorers.for(scorer).score(text, { requestId: ex.id });
    } catch (err) {
      this.logger.warn({ err, req_id: ex.id }, 'model unavailable; saving entry unscored');
      return null;
    }
  }
}

/** Express 5's default ("simple") query parser is node:querystring; use the same. */
function queryOf(req: IncomingMessage) {
  const url = req.url ?? '';
  const at = url.indexOf('?');
  return at < 0 ? {} : parseQuery(url.slice(at + 1));
}
