export type { Entry, NewEntry, Page, Stats } from './entry';
export {
  limits,
  parsePageSize,
  validateIdempotencyKey,
  validateNewEntry,
  validateSentimentRequest,
} from './validation';
export { checkBodyEncoding, requireUtf8 } from './body-rules';
export type { AddResult, GuestbookStore, ListOptions, PageVisit } from './store';
