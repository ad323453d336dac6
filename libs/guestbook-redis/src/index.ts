export { RedisGuestbook } from './redis-guestbook';
export { keys } from './keys';
