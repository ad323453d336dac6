import { Metadata, Server, ServerCredentials, status, type StatusObject } from '@grpc/grpc-js';
import { CircuitBreaker } from '@fig/breaker';
import { AppError } from '@fig/errors';
import { createModelServer, type ModelServer } from '@fig/model-service';
import { model as pb, modelErrorDomain, toGrpcStatus } from '@fig/proto';
import { freePort } from '@fig/testing';
import { createModelClient, type ModelClient } from './client';
import { grpcTransport } from './grpc-transport';

const bind = (server: Server) =>
  new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );

describe('model client over gRPC (ModelService, the Python model-svc’s contract)', () => {
  describe('against the TypeScript ModelService', () => {
    let server: ModelServer;
    let client: ModelClient;

    beforeAll(async () => {
      server = createModelServer('v2');
      const port = await server.listen(0);
      client = createModelClient({
        transport: grpcTransport(`ipv4:127.0.0.1:${port}`),
        timeoutMs: 2_000,
        breaker: new CircuitBreaker({ consecutiveFailures: 3, openMs: 60_000 }),
      });
    });
    afterAll(async () => {
      await client?.close();
      await server?.close();
    });

    it('answers the monolith’s JSON shape: label, score, model', async () => {
      const answer = await client.score('What a lovely, happy day!');
      expect(Object.keys(answer)).toEqual(['label', 'score', 'model']);
      expect(answer).toMatchObject({ label: 'positive', model: 'v2' });
      expect(answer.score).toBeGreaterThan(0.05);
    });

    it('passes the model refusing the text on as VALIDATION_FAILED with the field, not counted', async () => {
      for (let i = 0; i < 4; i++) {
        await expect(client.score('   ')).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
          details: { fields: [expect.objectContaining({ field: 'text' })] },
        });
      }
      await expect(client.score('fine')).resolves.toMatchObject({ model: 'v2' });
    });

    it('reports the served model version for readiness', async () => {
      await expect(client.check.run(AbortSignal.timeout(1_000))).resolves.toEqual({
        circuit: 'closed',
        model: 'v2',
      });
    });
  });

  describe('against a scripted ModelService (real gRPC, handlers written for the test)', () => {
    let server: Server;
    let target: string;
    let seen: Metadata[];
    let behaviour: (
      cb: (err: Partial<StatusObject> | null, res?: pb.ScoreResponse) => void,
      call: { sendMetadata(m: Metadata): void },
    ) => void;
    let breaker: CircuitBreaker;
    let client: ModelClient;

    beforeAll(async () => {
      server = new Server();
      server.addService(pb.ModelServiceService, {
        score: (call, cb) => {
          seen.push(call.metadata);
          behaviour(cb, call);
        },
        scoreBatch: (_call, cb) => cb({ code: status.UNIMPLEMENTED }),
        describe: (_call, cb) =>
          cb(null, {
            model: 'v1',
            name: 'AFINN-165',
            implementation: 'test',
            evaluation: undefined,
          }),
      } satisfies pb.ModelServiceServer);
      target = `127.0.0.1:${await bind(server)}`;
    });
    afterAll(() => server?.forceShutdown());
    beforeEach(() => {
      seen = [];
      behaviour = (cb) =>
        cb(null, {
          sentiment: {
            label: pb.SentimentLabel.SENTIMENT_LABEL_NEGATIVE,
            score: -0.5,
            model: 'v1',
          },
        });
      breaker = new CircuitBreaker({ consecutiveFailures: 2, openMs: 60_000 });
      client = createModelClient({ transport: grpcTransport(target), timeoutMs: 300, breaker });
    });
    afterEach(() => client.close());

    it('carries the A/B header and the request id as metadata', async () => {
      await expect(
        client.score('meh', { requestId: 'req-7', headers: { 'x-fig-model': 'v2' } }),
      ).resolves.toEqual({ label: 'negative', score: -0.5, model: 'v1' });
      expect(seen[0]?.get('x-fig-model')).toEqual(['v2']);
      expect(seen[0]?.get('x-request-id')).toEqual(['req-7']);
    });

    it.each([
      ['UNAVAILABLE', status.UNAVAILABLE],
      ['CANCELLED (a server stopping)', status.CANCELLED],
    ])(
      'asks once more when a reply that had begun ends %s (past the channel’s retries)',
      async (_name, code) => {
        const answer = behaviour;
        behaviour = (cb, call) => {
          behaviour = answer;
          call.sendMetadata(new Metadata()); // headers out: the call is committed
          cb({ code, details: 'replica leaving' });
        };
        await expect(client.score('meh')).resolves.toEqual({
          label: 'negative',
          score: -0.5,
          model: 'v1',
        });
        expect(seen).toHaveLength(2);
      },
    );

    it('asks only once more: a model that keeps failing so is UPSTREAM_UNAVAILABLE', async () => {
      behaviour = (cb, call) => {
        call.sendMetadata(new Metadata());
        cb({ code: status.CANCELLED, details: 'stopping' });
      };
      await expect(client.score('meh')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(seen).toHaveLength(2);
    });

    it('gives up after the timeout with UPSTREAM_TIMEOUT', async () => {
      behaviour = () => undefined; // never answers
      const started = Date.now();
      await expect(client.score('slow')).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it('maps an answer without a label to BAD_GATEWAY (the shape check)', async () => {
      behaviour = (cb) => cb(null, { sentiment: undefined });
      await expect(client.score('x')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    });

    it('maps a failing model to BAD_GATEWAY and opens the circuit, then fails at once', async () => {
      behaviour = (cb) => cb({ code: status.INTERNAL, details: 'boom' });
      await expect(client.score('a')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
      await expect(client.score('b')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
      await expect(client.score('c')).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        details: { retryAfterSeconds: 60 },
      });
      expect(seen).toHaveLength(2);
      expect(breaker.state).toBe('open');
    });

    it('does not count a refusal (INVALID_ARGUMENT with Fig’s details) against the circuit', async () => {
      behaviour = (cb) =>
        cb(toGrpcStatus(new AppError('VALIDATION_FAILED'), 'text', modelErrorDomain));
      for (let i = 0; i < 3; i++)
        await expect(client.score('x')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(breaker.state).toBe('closed');
    });

    it('maps a refused connection to UPSTREAM_UNAVAILABLE', async () => {
      const closed = createModelClient({
        transport: grpcTransport(`127.0.0.1:${await freePort()}`),
        timeoutMs: 300,
        breaker,
      });
      await expect(closed.score('x')).rejects.toMatchObject({
        code: expect.stringMatching(/^UPSTREAM_(UNAVAILABLE|TIMEOUT)$/),
      });
      await closed.close();
    });
  });
});
