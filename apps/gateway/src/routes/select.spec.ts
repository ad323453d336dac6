import { randomUUID } from 'node:crypto';
import { startAll } from '@fig/testing';
import {
  get,
  load,
  namedUpstream,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

describe('choosing an upstream', () => {
  let v1: TestServer;
  let v2: TestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    [v1, v2] = await startAll(namedUpstream('v1'), namedUpstream('v2'));
    gw = await startGateway(`
version: 1
upstreams:
  v1: { endpoints: ["${v1.url}"], version: v1 }
  v2: { endpoints: ["${v2.url}"], version: v2 }
routes:
  - name: canary
    match: { prefix: /canary }
    split: { targets: [{ upstream: v1, weight: 80 }, { upstream: v2, weight: 20 }] }
  - name: sticky-cookie
    match: { prefix: /sticky-cookie }
    split: { targets: [{ upstream: v1, weight: 50 }, { upstream: v2, weight: 50 }], sticky: { cookie: fig-user } }
  - name: sticky-header
    match: { prefix: /sticky-header }
    split: { targets: [{ upstream: v1, weight: 50 }, { upstream: v2, weight: 50 }], sticky: { header: x-user } }
  - name: ab-header
    match: { prefix: /ab-header }
    choose: { header: x-model, cases: { v2: v2 }, default: v1 }
  - name: ab-cookie
    match: { prefix: /ab-cookie }
    choose: { cookie: model, cases: { v2: v2 }, default: v1 }
  - name: only-with-header
    match: { prefix: /match, header: { name: x-beta, value: "yes" } }
    proxy: { upstream: v2 }
  - name: only-with-cookie
    match: { prefix: /match, cookie: { name: beta } }
    proxy: { upstream: v2 }
  - name: fallback
    match: { prefix: /match }
    proxy: { upstream: v1 }
`);
  });

  afterAll(async () => {
    await Promise.allSettled([gw?.close(), v1?.close(), v2?.close()]);
  });

  const servedBy = async (path: string, headers: Record<string, string> = {}) =>
    (await get(`${gw.url}${path}`, headers)).json().name;

  it('splits by weight within ±5% over 2,000 requests', async () => {
    let toV2 = 0;
    await load(2_000, 16, async () => {
      const name = await servedBy('/canary');
      if (name === 'v2') toV2++;
      return 200;
    });
    expect(toV2 / 2_000).toBeGreaterThan(0.15);
    expect(toV2 / 2_000).toBeLessThan(0.25);
  });

  it('keeps one user on one side with a sticky cookie, and spreads users', async () => {
    const users = Array.from({ length: 40 }, () => randomUUID());
    const sides = new Set<string>();
    for (const user of users) {
      const seen = new Set<unknown>();
      for (let i = 0; i < 5; i++)
        seen.add(await servedBy('/sticky-cookie', { cookie: `other=1; fig-user=${user}` }));
      expect(seen.size).toBe(1);
      sides.add(String([...seen][0]));
    }
    expect(sides).toEqual(new Set(['v1', 'v2']));
  });

  it('gives a first-time visitor a sticky id cookie', async () => {
    const res = await get(`${gw.url}/sticky-cookie`);
    expect(res.headers['set-cookie']).toMatch(/^fig-user=[0-9a-f-]{36}; Path=\/;/);
  });

  it('keeps one user on one side with a sticky header', async () => {
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const seen = new Set<unknown>();
      for (let i = 0; i < 5; i++) seen.add(await servedBy('/sticky-header', { 'x-user': user }));
      expect(seen.size).toBe(1);
    }
  });

  it('chooses by header (A/B), with a default', async () => {
    expect(await servedBy('/ab-header', { 'x-model': 'v2' })).toBe('v2');
    expect(await servedBy('/ab-header', { 'x-model': 'other' })).toBe('v1');
    expect(await servedBy('/ab-header')).toBe('v1');
  });

  it('chooses by cookie (A/B)', async () => {
    expect(await servedBy('/ab-cookie', { cookie: 'model=v2' })).toBe('v2');
    expect(await servedBy('/ab-cookie', { cookie: 'model=v1' })).toBe('v1');
  });

  it('matches routes on a header value or a cookie, first match winning', async () => {
    expect(await servedBy('/match', { 'x-beta': 'yes' })).toBe('v2');
    expect(await servedBy('/match', { 'x-beta': 'no' })).toBe('v1');
    expect(await servedBy('/match', { cookie: 'beta=1' })).toBe('v2');
    expect(await servedBy('/match')).toBe('v1');
  });
});
