export { createGuestbookApp, type GuestbookAppDeps } from './app';
export type { ScoreContext, Scorer, ServiceInfo } from './ports';
export {
  liveEvents,
  type LiveEvent,
  type LiveEvents,
  type LiveEventsOptions,
  type LiveFeed,
} from './live-events';
export { liveScriptHandler, liveScriptTag } from './live-script';
export { versionColours } from './page';
export { securityHeaders } from './security-headers';
