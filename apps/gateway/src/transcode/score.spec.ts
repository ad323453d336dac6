import { Server, ServerCredentials, status, type Metadata } from '@grpc/grpc-js';
import { request } from 'undici';
import { createModelServer, type ModelServer } from '@fig/model-service';
import { model as pb } from '@fig/proto';
import { freePort } from '@fig/testing';
import {
  client,
  monolithScoring,
  startGateway,
  type TestGateway,
  type TestServer,
} from '../test-support';

async function post(base: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await request(`${base}/api/sentiment`, {
    dispatcher: client,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.statusCode, type: res.headers['content-type'], body: await res.body.text() };
}

const texts = [
  'What a wonderful, happy day!',
  'This is terrible and I hate it.',
  'The train leaves at noon.',
  'not bad at all',
];

describe('transcoding POST /api/sentiment to ModelService/Score', () => {
  let model: ModelServer;
  let monolith: TestServer;
  let gw: TestGateway;

  beforeAll(async () => {
    model = createModelServer('v1');
    const port = await model.listen(0);
    monolith = await monolithScoring('v1');
    gw = await startGateway(
      `
version: 1
upstreams:
  monolith: { endpoints: ["${monolith.url}"] }
routes:
  - name: sentiment
    match: { methods: [POST], path: /api/sentiment }
    transcode: { rpc: Score, model: "\${MODEL_ADDR}" }
`,
      { env: { MODEL_ADDR: `ipv4:127.0.0.1:${port}` } },
    );
  });
  afterAll(async () => {
    await Promise.allSettled([gw?.close(), monolith?.close(), model?.close()]);
  });

  it.each(texts)('scores %j exactly as the monolith answers it', async (text) => {
    const body = JSON.stringify({ text });
    const [viaModelSvc, viaMonolith] = await Promise.all([
      post(gw.url, body),
      post(monolith.url, body),
    ]);
    expect(viaModelSvc).toEqual(viaMonolith);
    expect(viaModelSvc.status).toBe(200);
    expect(Object.keys(JSON.parse(viaModelSvc.body))).toEqual(['label', 'score', 'model']);
  });

  it.each([
    ['malformed JSON', '{"text":'],
    ['a missing text', '{}'],
    ['a blank text', '{"text":"   "}'],
    ['too long a text', JSON.stringify({ text: 'x'.repeat(281) })],
    ['control characters', '{"text":"a\\u0007"}'],
    ['a body over 16 KiB', JSON.stringify({ text: 'x'.repeat(17_000) })],
  ])('refuses %s exactly as the monolith does', async (_case, body) => {
    const [viaModelSvc, viaMonolith] = await Promise.all([
      post(gw.url, body),
      post(monolith.url, body),
    ]);
    expect(viaModelSvc).toEqual(viaMonolith);
    expect(viaModelSvc.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a body that is not JSON as the monolith does (415)', async () => {
    const [viaModelSvc, viaMonolith] = await Promise.all([
      post(gw.url, 'text=hi', { 'content-type': 'application/x-www-form-urlencoded' }),
      post(monolith.url, 'text=hi', { 'content-type': 'application/x-www-form-urlencoded' }),
    ]);
    expect(viaModelSvc).toEqual(viaMonolith);
    expect(viaModelSvc.status).toBe(415);
  });

  it('names model-svc as the one that served', async () => {
    const res = await request(`${gw.url}/api/sentiment`, {
      dispatcher: client,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"fine"}',
    });
    await res.body.text();
    expect(res.headers['x-fig-served-by']).toBe('model-svc/transcode');
  });
});

describe('a transcoded Score when model-svc fails (real gRPC, handlers scripted by the test)', () => {
  let server: Server;
  let seen: Metadata[];
  let gw: TestGateway;
  let down: TestGateway;

  beforeAll(async () => {
    seen = [];
    server = new Server();
    server.addService(pb.ModelServiceService, {
      score: (call, cb) => {
        seen.push(call.metadata);
        if (call.request.text === 'crash') return cb({ code: status.INTERNAL, details: 'boom' });
        cb(null, {
          sentiment: { label: pb.SentimentLabel.SENTIMENT_LABEL_NEUTRAL, score: 0, model: 'v2' },
        });
      },
      scoreBatch: (_call, cb) => cb({ code: status.UNIMPLEMENTED }),
      describe: (_call, cb) => cb({ code: status.UNIMPLEMENTED }),
    } satisfies pb.ModelServiceServer);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const routes = (target: string) => `
version: 1
upstreams: {}
routes:
  - name: sentiment
    match: { methods: [POST], path: /api/sentiment }
    transcode: { rpc: Score, model: "${target}" }
`;
    gw = await startGateway(routes(`127.0.0.1:${port}`));
    down = await startGateway(routes(`127.0.0.1:${await freePort()}`));
  });
  afterAll(async () => {
    await Promise.allSettled([gw?.close(), down?.close()]);
    server?.forceShutdown();
  });

  it('carries the A/B header x-fig-model and the request id to model-svc as metadata', async () => {
    const res = await post(gw.url, '{"text":"hello"}', {
      'x-fig-model': 'v2',
      'x-request-id': 'req-ab-1',
    });
    expect(res.status).toBe(200);
    const last = seen.at(-1)!;
    expect(last.get('x-fig-model')).toEqual(['v2']);
    expect(last.get('x-request-id')).toEqual(['req-ab-1']);
  });

  it('answers 502 BAD_GATEWAY with the error body when model-svc fails', async () => {
    const res = await post(gw.url, '{"text":"crash"}');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'BAD_GATEWAY', message: expect.any(String) },
    });
  });

  it('answers 503 UPSTREAM_UNAVAILABLE when model-svc is not there', async () => {
    const res = await post(down.url, '{"text":"hello"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'UPSTREAM_UNAVAILABLE', message: expect.any(String) },
    });
  });
});
