import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, waitFor, type RedisServer } from '@fig/testing';
import { describeOutcome, startLoad, succeeded, type Outcome } from './support/load';
import { allEntries, killAll, startStage3, type Stage3 } from './support/services';

async function postPolitely(base: string, key: string, text: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}/api/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ author: 'Load', text }),
    });
    if (![429, 503].includes(res.status) || attempt === 10) return res;
    await res.body?.cancel();
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1_000);
  }
}

/**
 * Redis crashes (SIGKILL, as an OOM kill would) under load and comes back with
 * its append-only file, fsynced every second as in k8s/base/redis. While it is
 * gone every request gets a quick coded answer, never a hang or a 500; when it
 * is back the system serves again without a restart; nothing acknowledged is
 * lost; and a client that retries its failed writes with their idempotency
 * keys ends with exactly one entry per write.
 */
describe('a Redis crash under load at stage 3', () => {
  let redis: RedisServer;
  let system: Stage3 | undefined;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis({ aof: true, fsync: 'everysec' });
    system = await startStage3(redis.url);
    base = system.gateway.base;
  }, 60_000);

  afterAll(async () => {
    await killAll(system?.all ?? []);
    await redis?.dispose();
  });

  it('answers 503 STORE_UNAVAILABLE while Redis is down, recovers by itself and loses nothing acknowledged', async () => {
    const load = startLoad(base);
    let sinceRestart = 0;
    try {
      await sleep(1_000);
      await redis.crash();
      await sleep(2_000);
      await redis.start();
      sinceRestart = load.writes.length;
      await waitFor(() => load.writes.slice(sinceRestart).some((w) => w.id), {
        what: 'a write to succeed after Redis returned',
        timeoutMs: 10_000,
      });
      await sleep(1_000);
    } finally {
      await load.stop();
    }

    const failed = load.outcomes.filter((o) => !succeeded(o));
    // The frontend's own answer, or the gateway's once that opened the
    // frontend's breaker (ADR 0203): both coded, both quick.
    const coded503 = (o: Outcome) =>
      o.status === 503 && ['STORE_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE'].includes(o.code!);
    expect(failed.filter((o) => !coded503(o)).map(describeOutcome)).toEqual([]);
    // The outage was seen, and writes before and after it were acknowledged.
    expect(failed.length).toBeGreaterThan(0);
    expect(load.writes.slice(0, 5).every((w) => w.id)).toBe(true);
    expect(load.writes.slice(sinceRestart).filter((w) => w.id).length).toBeGreaterThan(0);

    // A client retries each failed write with its key, as a well-behaved one
    // would (honouring Retry-After): created now, or found as the first write
    // if the failure hid a write that happened.
    for (const write of load.writes.filter((w) => !w.id)) {
      const res = await postPolitely(base, write.key, write.text);
      expect([write.text, [200, 201].includes(res.status)]).toEqual([write.text, true]);
      write.id = ((await res.json()) as { id: string }).id;
    }

    const entries = await allEntries(base);
    const listed = new Set(entries.map((e) => e.id));
    expect(load.writes.filter((w) => !listed.has(w.id!)).map((w) => w.text)).toEqual([]);
    const copies = new Map<string, number>();
    for (const e of entries) copies.set(e.text, (copies.get(e.text) ?? 0) + 1);
    expect(load.writes.filter((w) => copies.get(w.text) !== 1).map((w) => w.text)).toEqual([]);
  }, 60_000);
});
