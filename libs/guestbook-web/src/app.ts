import express, { type Express, type Request, type Response, type Router } from 'express';
import { AppError, errorHandler, notFoundHandler } from '@fig/errors';
import {
  checkBodyEncoding,
  parsePageSize,
  requireUtf8,
  validateIdempotencyKey,
  validateNewEntry,
  validateSentimentRequest,
  type GuestbookStore,
} from '@fig/guestbook';
import { modelHeadersOf } from '@fig/model-client';
import { httpMetrics, type Metrics } from '@fig/service';
import { requestContext, type Logger, type RequestWithContext } from '@fig/logging';
import type { Sentiment } from '@fig/sentiment';
import { renderPage } from './page';
import { securityHeaders } from './security-headers';
import type { ScoreContext, Scorer, ServiceInfo } from './ports';

/**
 * The request id, and the headers the model must see (the A/B header), so an
 * A/B choice made at the gateway or the mesh reaches the model service.
 */
function scoreContext(req: Request): ScoreContext {
  const id = (req as RequestWithContext).id;
  return { ...(id ? { requestId: id } : {}), headers: modelHeadersOf(req.headers) };
}

export interface GuestbookAppDeps {
  store: GuestbookStore;
  scorer: Scorer;
  info: ServiceInfo;
  logger: Logger;
  metrics: Metrics;
  isDraining: () => boolean;
  /** Routes a service adds to the shared ones (e.g. the frontend's live updates). */
  extraRoutes?: (router: Router) => void;
  /** Markup appended to the page body (e.g. a script tag). */
  pageScripts?: string;
}

const bodyLimit = '16kb';

/**
 * Bodies are uncompressed UTF-8 JSON only (docs/adr/0206); anything else is
 * refused before it is read, by the same rules the gateway's transcoder uses.
 */
function requireJson(req: Request, _res: Response, next: (err?: unknown) => void) {
  if (!req.is('application/json')) return next(new AppError('UNSUPPORTED_MEDIA_TYPE'));
  try {
    checkBodyEncoding(req.headers);
    next();
  } catch (err) {
    next(err);
  }
}

/** body-parser would decode bad bytes to U+FFFD; refuse them as the transcoder does. */
const verifyUtf8 = (_req: unknown, _res: unknown, body: Buffer) => requireUtf8(body);

/**
 * The guestbook over HTTP: the page, the form post and the JSON API, exactly
 * the same in the monolith and the extracted frontend, which differ only in
 * the store and scorer they pass in.
 */
export function createGuestbookApp(deps: GuestbookAppDeps): Express {
  const { store, scorer, info, logger, metrics, isDraining } = deps;

  /** The model is best-effort for writes: an entry is saved unscored rather than lost. */
  async function scoreOrNull(req: Request, text: string): Promise<Sentiment | null> {
    try {
      return await scorer.score(text, scoreContext(req));
    } catch (err) {
      (req as RequestWithContext).log.warn({ err }, 'model unavailable; saving entry unscored');
      return null;
    }
  }

  async function renderHome(res: Response, status = 200, formError?: string) {
    const { visits, entries } = await store.visitPage(20);
    const html = renderPage({
      info,
      visits,
      entries,
      ...(formError ? { formError } : {}),
      ...(deps.pageScripts ? { scripts: deps.pageScripts } : {}),
    });
    res.status(status).type('html').send(html);
  }

  const app = express();
  app.disable('x-powered-by');
  // One path, one meaning: /api/entries/ and /API/entries are not /api/entries
  // here either, so the gateway's exact, case-sensitive route policies cannot be
  // sidestepped by a variant it passes on (docs/adr/0207-one-path-rule.md).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(securityHeaders());
  app.use(requestContext(logger));
  app.use(httpMetrics(metrics));
  app.use((_req, res, next) => {
    // Tell keep-alive clients to reconnect elsewhere while this instance drains.
    if (isDraining()) res.setHeader('Connection', 'close');
    next();
  });

  const router = express.Router({ caseSensitive: true, strict: true });
  const json = [
    requireJson,
    express.json({ limit: bodyLimit, inflate: false, verify: verifyUtf8 }),
  ];

  router.get('/', async (_req, res) => renderHome(res));

  router.post(
    '/entries',
    express.urlencoded({ extended: false, limit: bodyLimit, inflate: false }),
    async (req, res) => {
      let entry;
      try {
        entry = validateNewEntry(req.body);
      } catch (err) {
        if (err instanceof AppError) return renderHome(res, 400, err.message);
        throw err;
      }
      await store.addEntry(entry, await scoreOrNull(req, entry.text));
      res.redirect(303, '/');
    },
  );

  router.get('/api/entries', async (req, res) => {
    const limit = parsePageSize(req.query.limit);
    const cursor = req.query.cursor;
    if (cursor !== undefined && typeof cursor !== 'string') throw new AppError('INVALID_CURSOR');
    res.json(await store.listEntries({ limit, ...(cursor ? { cursor } : {}) }));
  });

  router.post('/api/entries', ...json, async (req, res) => {
    const entry = validateNewEntry(req.body);
    const key = validateIdempotencyKey(req.get('idempotency-key'));
    const result = await store.addEntry(entry, await scoreOrNull(req, entry.text), key);
    res.status(result.created ? 201 : 200).json(result.entry);
  });

  router.get('/api/stats', async (_req, res) => {
    res.json(await store.getStats());
  });

  router.post('/api/sentiment', ...json, async (req, res) => {
    res.json(await scorer.score(validateSentimentRequest(req.body), scoreContext(req)));
  });

  router.get('/api/info', (_req, res) => {
    res.json(info);
  });

  deps.extraRoutes?.(router);
  app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
