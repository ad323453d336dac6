export type { Entry, NewEntry, Page, Stats } from './entry';
export {
  limits,
  parsePageSize,
  validateIdempotencyKey,
  validateNewEntry,
  validateSentimentRequest,
} from './validation';
export { decodeCursor, encodeCursor } from './cursor';
export { keys } from './keys';
export type { AddResult, GuestbookStore, ListOptions } from './store';
export { RedisGuestbook } from './redis-guestbook';
