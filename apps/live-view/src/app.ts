import express, { type Express } from 'express';
import { errorHandler, notFoundHandler } from '@fig/errors';
import { securityHeaders } from '@fig/guestbook-web';
import { requestContext, type Logger } from '@fig/logging';
import { httpMetrics, type Metrics } from '@fig/service';
import { liveViewScriptSource } from './generated/live-view-script';
import type { LiveHub } from './hub';
import { renderShell } from './page';

export interface LiveViewDeps {
  hub: LiveHub;
  stage: string;
  logger: Logger;
  metrics: Metrics;
  isDraining: () => boolean;
}

/**
 * The page, its script and its event stream. Served with the same security
 * headers as the guestbook pages (ADR 0106): the script comes from this
 * origin, nothing is inline, so the CSP needs no exception.
 */
export function createLiveView({ hub, stage, logger, metrics, isDraining }: LiveViewDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(securityHeaders());
  app.use(requestContext(logger));
  app.use(httpMetrics(metrics));
  app.use((_req, res, next) => {
    if (isDraining()) res.setHeader('Connection', 'close');
    next();
  });

  const page = renderShell(stage);
  app.get('/', (_req, res) => void res.type('html').set('Cache-Control', 'no-cache').send(page));
  app.get('/live-view.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(liveViewScriptSource);
  });
  app.get('/events', hub.handler);
  // The document as JSON: what `npm run workshop -- check` and scripts read.
  app.get('/api/view', async (_req, res) => {
    await hub.start();
    res.set('Cache-Control', 'no-store').json(hub.latest());
  });
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
