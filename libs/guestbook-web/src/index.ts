export { createGuestbookApp, type GuestbookAppDeps } from './app';
export type { Scorer, ServiceInfo } from './ports';
export { renderPage, versionColours, type PageModel } from './page';
export { escapeHtml } from './escape';
export {
  liveEvents,
  type LiveEvent,
  type LiveEvents,
  type LiveEventsOptions,
  type LiveFeed,
} from './live-events';
export { liveScriptHandler, liveScriptSource, liveScriptTag } from './live-script';
