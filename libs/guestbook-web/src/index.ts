export { createGuestbookApp, type GuestbookAppDeps } from './app';
export type { Scorer, ServiceInfo } from './ports';
export { renderPage, versionColours, type PageModel } from './page';
export { escapeHtml } from './escape';
