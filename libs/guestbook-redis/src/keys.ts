/**
 * The Redis key layout of the guestbook: the one place it is written down. The
 * monolith and store-svc both use it (the shared-database step of the
 * migration), so entries written by one are read by the other.
 *
 * | key                         | type   | holds                                               |
 * | --------------------------- | ------ | --------------------------------------------------- |
 * | fig:gb:seq                  | string | last entry sequence number (INCR)                   |
 * | fig:gb:entries              | hash   | sequence → entry JSON (the API's Entry shape)        |
 * | fig:gb:timeline             | zset   | sequence scored by sequence: newest-first paging     |
 * | fig:gb:stats                | hash   | entries, positive, neutral, negative, unscored      |
 * | fig:gb:visits               | string | page visits (INCR)                                  |
 * | fig:gb:idem:<sha256 of key> | string | sequence of the entry created with that key, 24 h TTL |
 * | fig:gb:events               | pubsub | entry JSON published after each new entry           |
 */
export const keys = {
  sequence: 'fig:gb:seq',
  entries: 'fig:gb:entries',
  timeline: 'fig:gb:timeline',
  stats: 'fig:gb:stats',
  visits: 'fig:gb:visits',
  idempotency: (hash: string) => `fig:gb:idem:${hash}`,
  events: 'fig:gb:events',
} as const;

export const idempotencyTtlSeconds = 24 * 60 * 60;
