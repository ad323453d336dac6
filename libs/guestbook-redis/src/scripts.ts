import { createHash } from 'node:crypto';
import type { RedisClient } from '@fig/redis';

/**
 * A Lua script run by SHA, loaded on first use or after a Redis restart
 * (NOSCRIPT), so the body crosses the wire once per connection lifetime.
 */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalSha(this.sha, { keys, arguments: args });
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, { keys, arguments: args });
    }
  }
}

/**
 * Adds an entry atomically: idempotency check, new sequence, entry, timeline,
 * counters, idempotency record and the live-update event are one Redis
 * operation, so no reader ever sees an entry without its counts, and 50
 * concurrent retries with one key create exactly one entry.
 *
 * KEYS: seq, entries, timeline, stats [, idempotency]
 * ARGV: entry JSON after the id (starting with a comma), sentiment label or
 *       "unscored", idempotency TTL seconds, events channel
 * Returns {1, json} when created, {0, json of the first entry} on a repeat.
 */
export const addEntryScript = new LuaScript(`
local idem = KEYS[5]
if idem then
  local existing = redis.call('GET', idem)
  if existing then
    local json = redis.call('HGET', KEYS[2], existing)
    if json then return {0, json} end
  end
end
local seq = redis.call('INCR', KEYS[1])
local json = '{"id":"' .. seq .. '"' .. ARGV[1]
redis.call('HSET', KEYS[2], seq, json)
redis.call('ZADD', KEYS[3], seq, seq)
redis.call('HINCRBY', KEYS[4], 'entries', 1)
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
if idem then redis.call('SET', idem, seq, 'EX', ARGV[3]) end
redis.call('PUBLISH', ARGV[4], json)
return {1, json}
`);

/**
 * A page of entries in one round trip instead of two (ZRANGE, then HMGET of
 * the ids it returned), and with KEYS[3] the page's visit counted in the same
 * trip: the page and every list read cost one Redis call.
 *
 * KEYS: timeline, entries [, visits]
 * ARGV: highest score to include ("+inf" or "(<sequence>"), page size
 * Returns {visits or 0, whether more entries follow, entry JSONs, last id or false}.
 */
export const listEntriesScript = new LuaScript(`
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit + 1)
local visits = 0
if KEYS[3] then visits = redis.call('INCR', KEYS[3]) end
local page = {}
for i = 1, math.min(#ids, limit) do page[i] = ids[i] end
local json = {}
if #page > 0 then json = redis.call('HMGET', KEYS[2], unpack(page)) end
return {visits, #ids > limit and 1 or 0, json, page[#page] or false}
`);
