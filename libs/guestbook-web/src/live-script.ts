import type { RequestHandler } from 'express';

import { liveScriptSource } from './generated/live-script';

/**
 * The page's only script, served from our own origin because the CSP forbids
 * inline script. Written as TypeScript in src/browser/live.ts (DOM types,
 * linted) and bundled for ES2017 browsers by `nx run guestbook-web:generate`.
 */
export { liveScriptSource };

/** Serves the script; `no-cache` plus Express's ETag means a cheap 304 on every later page view. */
export const liveScriptHandler: RequestHandler = (_req, res) => {
  res.type('text/javascript').set('Cache-Control', 'no-cache').send(liveScriptSource);
};

/** The tag a page adds to load the script; `defer` keeps it off the critical rendering path. */
export const liveScriptTag = '<script src="/live.js" defer></script>';
