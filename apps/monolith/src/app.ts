import type { Express } from 'express';
import type { GuestbookStore } from '@fig/guestbook';
import { createGuestbookApp } from '@fig/guestbook-web';
import type { Metrics } from '@fig/service';
import type { Logger } from '@fig/logging';
import type { SentimentModel } from '@fig/sentiment';

export interface MonolithDeps {
  store: GuestbookStore;
  model: SentimentModel;
  logger: Logger;
  metrics: Metrics;
  version: string;
  pod: string;
  isDraining: () => boolean;
}

/** The legacy all-in-one app: page, API and model in one process, on Redis. */
export function createMonolith({
  store,
  model,
  logger,
  metrics,
  version,
  pod,
  isDraining,
}: MonolithDeps): Express {
  return createGuestbookApp({
    store,
    // The model runs in-process here; it is the part extracted last.
    scorer: { score: async (text) => model.score(text) },
    info: { service: 'monolith', version, pod, model: model.version },
    logger,
    metrics,
    isDraining,
  });
}
