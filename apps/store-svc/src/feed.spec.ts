import { once } from 'node:events';
import {
  connectivityState,
  status,
  type Client,
  type ClientReadableStream,
  type StatusObject,
} from '@grpc/grpc-js';
import { RedisGuestbook } from '@fig/guestbook-redis';
import type { StoreServiceClient, WatchEntriesResponse } from '@fig/proto';
import { startRedis, type RedisServer } from '@fig/testing';
import { grpcCall as call } from '@fig/testing';
import { startStore, type RunningStore } from '../test/harness';

/** Opens WatchEntries and resolves once the server has registered it (its headers arrive). */
async function watch(client: StoreServiceClient) {
  const stream: ClientReadableStream<WatchEntriesResponse> = client.watchEntries({});
  const ended = new Promise<StatusObject>((resolve) => stream.on('status', resolve));
  stream.on('error', () => undefined);
  await once(stream, 'metadata');
  const next = () => once(stream, 'data').then(([res]) => (res as WatchEntriesResponse).entry);
  return { stream, ended, next };
}

/** Adds an entry through `client`, as a writer would. */
const add = (client: StoreServiceClient, text: string) =>
  call(client, client.addEntry, { author: 'Ada', text, idempotencyKey: '', sentiment: undefined });

type Channel = ReturnType<Client['getChannel']>;

/** Every state `channel` passes through for `ms`, starting with the current one. */
function statesFor(channel: Channel, ms: number): Promise<connectivityState[]> {
  const states = [channel.getConnectivityState(false)];
  const deadline = Date.now() + ms;
  return new Promise((resolve) => {
    const next = () =>
      channel.watchConnectivityState(states.at(-1)!, deadline, (err) => {
        if (err) return resolve(states); // the deadline passed with no change
        states.push(channel.getConnectivityState(false));
        next();
      });
    next();
  });
}

describe('WatchEntries across replicas', () => {
  let redis: RedisServer;
  let replicas: RunningStore[];

  beforeAll(async () => {
    redis = await startRedis();
    replicas = await Promise.all([
      startStore(redis.url),
      startStore(redis.url),
      startStore(redis.url),
    ]);
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    await redis?.dispose();
  });

  it('delivers an entry added through a third instance to subscribers of two others', async () => {
    const [a, b, c] = replicas as [RunningStore, RunningStore, RunningStore];
    const onA = await watch(a.client);
    const onB = await watch(b.client);
    const [fromA, fromB] = [onA.next(), onB.next()];
    const { entry } = await add(c.client, 'live');
    expect(await fromA).toEqual(entry);
    expect(await fromB).toEqual(entry);
    onA.stream.cancel();
    onB.stream.cancel();
  });

  it('delivers entries the monolith writes too', async () => {
    const [a] = replicas as [RunningStore];
    const watcher = await watch(a.client);
    const next = watcher.next();
    const { entry } = await new RedisGuestbook(a.redis).addEntry(
      { author: 'Mono', text: 'legacy write' },
      null,
    );
    expect(await next).toMatchObject({ id: entry.id, text: 'legacy write', sentiment: undefined });
    watcher.stream.cancel();
  });

  it('recycles a client connection at its max age, so the client re-resolves; an open watch keeps its stream', async () => {
    const running = await startStore(redis.url, { connectionAgeMs: 300 });
    try {
      const watcher = await watch(running.client);
      const channel = running.client.getChannel();
      expect(channel.getConnectivityState(false)).toBe(connectivityState.READY);
      // GOAWAY at ~300 ms: the channel leaves READY for a new connection.
      const states = await statesFor(channel, 1_000);
      expect(states[0]).toBe(connectivityState.READY);
      expect(states.slice(1)).toContain(connectivityState.IDLE);
      // New calls go over the new connection; the stream opened before the
      // GOAWAY is not cut (no grace) and still delivers.
      const next = watcher.next();
      const { entry } = await add(running.client, 'after the recycle');
      expect(await next).toEqual(entry);
      watcher.stream.cancel();
    } finally {
      await running.stop();
    }
  });

  it('ends open streams with OK when the server shuts down', async () => {
    const running = await startStore(redis.url);
    const watcher = await watch(running.client);
    running.store.drain();
    await running.store.close();
    expect((await watcher.ended).code).toBe(status.OK);
    await running.stop();
  });
});
