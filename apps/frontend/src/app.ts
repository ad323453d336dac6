import type { Express } from 'express';
import type { GuestbookStore } from '@fig/guestbook';
import {
  createGuestbookApp,
  liveScriptHandler,
  liveScriptTag,
  type LiveEvents,
  type Scorer,
} from '@fig/guestbook-web';
import type { CircuitBreaker } from '@fig/breaker';
import type { Metrics } from '@fig/service';
import type { Logger } from '@fig/logging';
import { observeModelBreaker } from './breaker-metrics';

export interface FrontendDeps {
  /** store-svc over gRPC. */
  store: GuestbookStore;
  /** The monolith's model over HTTP, behind a timeout and a circuit breaker. */
  scorer: Scorer;
  /** Server-sent events fed by store-svc's WatchEntries. */
  live: LiveEvents;
  logger: Logger;
  metrics: Metrics;
  /** The breaker in front of `scorer`, exposed as frontend_model_breaker_state. */
  modelBreaker?: Pick<CircuitBreaker, 'state'>;
  version: string;
  pod: string;
  isDraining: () => boolean;
}

/**
 * The extracted frontend: the monolith's page and JSON API (the same shared
 * definition, so routes, shapes and error codes cannot drift), with the data
 * behind store-svc and live updates added to the page.
 */
export function createFrontend({
  store,
  scorer,
  live,
  logger,
  metrics,
  modelBreaker,
  version,
  pod,
  isDraining,
}: FrontendDeps): Express {
  if (modelBreaker) observeModelBreaker(metrics.registry, modelBreaker);
  return createGuestbookApp({
    store,
    scorer,
    info: { service: 'frontend', version, pod },
    logger,
    metrics,
    isDraining,
    pageScripts: liveScriptTag,
    extraRoutes: (router) => {
      router.get('/live.js', liveScriptHandler);
      router.get('/live', live.handler);
    },
  });
}
