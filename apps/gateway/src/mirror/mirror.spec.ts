import { Writable } from 'node:stream';
import { createLogger } from '@fig/logging';
import { waitFor } from '@fig/testing';
import {
  get,
  metricValue,
  serve,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

describe('mirroring (the parallel run)', () => {
  let primary: TestServer;
  let candidate: TestServer;
  let gw: TestGateway;
  let candidateCalls = 0;
  // The /slow candidate answers only when the test lets it.
  const heldAnswers: (() => void)[] = [];
  const logLines: string[] = [];
  const shadow = (route: string, result: string) =>
    metricValue(gw.registry, 'gateway_shadow_total', { route, result });

  beforeAll(async () => {
    primary = await serve((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [1, 2], at: 'primary-time', path: req.url }));
    });
    candidate = await serve((req, res) => {
      candidateCalls++;
      res.setHeader('content-type', 'application/json');
      const answer = () =>
        res.end(
          JSON.stringify({
            items: [1, 2],
            at: 'candidate-time',
            path: req.url,
            shadow: req.headers['x-fig-shadow'] === '1' ? undefined : 'missing',
          }),
        );
      if (req.url?.startsWith('/slow')) heldAnswers.push(answer);
      else if (req.url?.startsWith('/differs') || req.url?.startsWith('/logged'))
        res.end(JSON.stringify({ items: [1, 3], at: 'x', path: req.url }));
      else if (req.url?.startsWith('/broken')) req.socket.destroy();
      else answer();
    });
    gw = await startGateway(
      `
version: 1
upstreams:
  primary: { endpoints: ["${primary.url}"] }
  candidate: { endpoints: ["${candidate.url}"] }
routes:
  - name: slow
    match: { methods: [GET], prefix: /slow }
    proxy: { upstream: primary }
    mirror: { upstream: candidate, ignore: [at], timeoutMs: 120000 }
  - name: same
    match: { methods: [GET], prefix: /same }
    proxy: { upstream: primary }
    mirror: { upstream: candidate, ignore: [at] }
  - name: differs
    match: { methods: [GET], prefix: /differs }
    proxy: { upstream: primary }
    mirror: { upstream: candidate, ignore: [at] }
  - name: logged
    match: { methods: [GET], prefix: /logged }
    proxy: { upstream: primary }
    mirror: { upstream: candidate, ignore: [at] }
  - name: broken
    match: { methods: [GET], prefix: /broken }
    proxy: { upstream: primary }
    mirror: { upstream: candidate }
  - name: sampled
    match: { methods: [GET], prefix: /sampled }
    proxy: { upstream: primary }
    mirror: { upstream: candidate, percent: 0 }
`,
      {
        logger: createLogger({
          service: 'gateway',
          version: 'v1',
          pod: 't',
          level: 'warn',
          destination: new Writable({
            write(chunk: Buffer, _enc, done) {
              logLines.push(chunk.toString());
              done();
            },
          }),
        }),
      },
    );
  });

  afterAll(async () => {
    for (const answer of heldAnswers.splice(0)) answer();
    await Promise.allSettled([gw?.close(), primary?.close(), candidate?.close()]);
  });

  it('never delays the primary answer: the client is answered while the candidate still holds its copy', async () => {
    // Were the answer to wait for the candidate, this would wait past the
    // mirror's 120 s deadline and fail at Jest's timeout.
    const res = await get(`${gw.url}/slow`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ at: 'primary-time' });
    await waitFor(() => heldAnswers.length === 1, { what: 'the copy at the candidate' });
    for (const result of ['match', 'mismatch', 'error']) {
      expect(await shadow('slow', result)).toBe(0);
    }
    heldAnswers.shift()!();
    await waitFor(async () => (await shadow('slow', 'match')) === 1, {
      what: 'the comparison once the candidate answers',
    });
  });

  it('counts a match when only ignored fields differ', async () => {
    await get(`${gw.url}/same`);
    await waitFor(async () => (await shadow('same', 'match')) === 1, { what: 'a match' });
    expect(await shadow('same', 'mismatch')).toBe(0);
  });

  it('counts a planted mismatch', async () => {
    const res = await get(`${gw.url}/differs`);
    expect(res.json()).toMatchObject({ items: [1, 2] });
    await waitFor(async () => (await shadow('differs', 'mismatch')) === 1, { what: 'a mismatch' });
  });

  it('logs a sampled mismatch with the query values redacted', async () => {
    await get(`${gw.url}/logged?token=secret-value`);
    const line = await waitFor(() => logLines.find((l) => l.includes('"route":"logged"')), {
      what: 'the mismatch line',
    });
    expect(JSON.parse(line)).toMatchObject({
      msg: 'shadow mismatch',
      url: '/logged?token=[redacted]',
    });
    expect(line).not.toContain('secret-value');
  });

  it('counts a failing candidate as an error and still answers from the primary', async () => {
    expect((await get(`${gw.url}/broken`)).status).toBe(200);
    await waitFor(async () => (await shadow('broken', 'error')) === 1, {
      what: 'a candidate error',
    });
  });

  it('mirrors only the sampled share', async () => {
    const before = candidateCalls;
    for (let i = 0; i < 5; i++) await get(`${gw.url}/sampled`);
    expect(candidateCalls).toBe(before);
  });
});
