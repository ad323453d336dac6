export type { Entry, NewEntry, Page, Stats } from './entry';
export {
  limits,
  parsePageSize,
  validateIdempotencyKey,
  validateNewEntry,
  validateSentimentRequest,
} from './validation';
export { checkBodyEncoding, requireUtf8 } from './body-rules';
export { decodeCursor, encodeCursor } from './cursor';
export { keys } from './keys';
export type { AddResult, GuestbookStore, ListOptions } from './store';
export { RedisGuestbook } from './redis-guestbook';
export {
  connectRedis,
  redisCheck,
  type RedisClient,
  type RedisConnectOptions,
} from './redis-client';
