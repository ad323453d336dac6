import { request } from 'undici';
import { createModelServer, type ModelServer } from '@fig/model-service';
import { createModel } from '@fig/sentiment';
import { waitFor } from '@fig/testing';
import {
  client,
  metricValue,
  monolithScoring,
  serve,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await request(url, {
    dispatcher: client,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.statusCode, body: await res.body.text() };
}

const texts = [
  'What a wonderful, happy day!',
  'This is terrible and I hate it.',
  'The train leaves at noon.',
  'I love it, but the ending was awful.',
];

describe('mirroring the POSTs of a side-effect-free route (the model’s parallel run)', () => {
  let v1: ModelServer;
  let v2: ModelServer;
  let monolith: TestServer;
  let echo: TestServer;
  let echoed: string[];
  let gw: TestGateway;
  const shadow = (route: string, result: string) =>
    metricValue(gw.registry, 'gateway_shadow_total', { route, result });
  const differences = (route: string, field: string) =>
    metricValue(gw.registry, 'gateway_shadow_differences_total', { route, field });

  beforeAll(async () => {
    v1 = createModelServer('v1');
    v2 = createModelServer('v2');
    const [p1, p2] = await Promise.all([v1.listen(0), v2.listen(0)]);
    monolith = await monolithScoring('v1');
    echoed = [];
    echo = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        echoed.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ body }));
      });
    });
    gw = await startGateway(
      `
version: 1
upstreams:
  monolith: { endpoints: ["${monolith.url}"] }
  echo: { endpoints: ["${echo.url}"] }
routes:
  - name: candidate-v2
    match: { methods: [POST], path: /api/sentiment, header: { name: x-candidate, value: v2 } }
    sideEffectFree: true
    proxy: { upstream: monolith }
    mirror: { transcode: { rpc: Score, model: "ipv4:127.0.0.1:${p2}" }, ignore: [model] }
  - name: same-model
    match: { methods: [POST], path: /api/sentiment }
    sideEffectFree: true
    proxy: { upstream: monolith }
    mirror: { transcode: { rpc: Score, model: "ipv4:127.0.0.1:${p1}" } }
  - name: echo
    match: { methods: [POST], path: /echo }
    sideEffectFree: true
    proxy: { upstream: echo }
    mirror: { upstream: echo }
`,
    );
  });
  afterAll(async () => {
    await Promise.allSettled([
      gw?.close(),
      monolith?.close(),
      echo?.close(),
      v1?.close(),
      v2?.close(),
    ]);
  });

  it('sends each POST to the candidate too and finds the same model version agreeing on every answer', async () => {
    for (const text of texts) {
      const res = await post(`${gw.url}/api/sentiment`, JSON.stringify({ text }));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ model: 'v1' });
    }
    await waitFor(async () => (await shadow('same-model', 'match')) === texts.length, {
      what: 'every mirrored POST judged',
      timeoutMs: 5_000,
    });
    expect(await shadow('same-model', 'mismatch')).toBe(0);
  });

  it('counts a candidate model’s disagreements per field: labels apart from scores', async () => {
    // v1 (AFINN) and v2 (VADER): the libraries say where they differ; the metric must count exactly that.
    for (const text of texts)
      await post(`${gw.url}/api/sentiment`, JSON.stringify({ text }), { 'x-candidate': 'v2' });
    await waitFor(
      async () =>
        (await shadow('candidate-v2', 'match')) + (await shadow('candidate-v2', 'mismatch')) ===
        texts.length,
      { what: 'every mirrored POST judged', timeoutMs: 5_000 },
    );
    const v1 = createModel('v1');
    const v2 = createModel('v2');
    const labelsApart = texts.filter((t) => v1.score(t).label !== v2.score(t).label).length;
    const scoresApart = texts.filter((t) => v1.score(t).score !== v2.score(t).score).length;
    expect(scoresApart).toBeGreaterThan(0);
    expect(await differences('candidate-v2', 'label')).toBe(labelsApart);
    expect(await differences('candidate-v2', 'score')).toBe(scoresApart);
    expect(await differences('candidate-v2', 'model')).toBe(0);
  });

  it('hands the whole body to both the primary and the candidate', async () => {
    echoed = [];
    const body = JSON.stringify({ text: 'x'.repeat(10_000) });
    const res = await post(`${gw.url}/echo`, body);
    expect(res).toEqual({ status: 200, body: JSON.stringify({ body }) });
    await waitFor(() => echoed.length === 2, { what: 'the candidate’s copy', timeoutMs: 5_000 });
    expect(echoed).toEqual([body, body]);
    await waitFor(async () => (await shadow('echo', 'match')) === 1, {
      what: 'the comparison',
      timeoutMs: 5_000,
    });
  });

  it('does not mirror a body larger than it keeps, but still forwards all of it', async () => {
    echoed = [];
    const body = JSON.stringify({ text: 'y'.repeat(100_000) });
    const res = await post(`${gw.url}/echo`, body);
    expect(res).toEqual({ status: 200, body: JSON.stringify({ body }) });
    expect(echoed).toEqual([body]);
    expect(await shadow('echo', 'skipped')).toBe(1);
  });
});
