import { credentials, status } from '@grpc/grpc-js';
import { fromGrpcError, model as pb, modelServiceName } from '@fig/proto';
import { createModel, evaluationSet, MODEL_VERSIONS, type ModelVersion } from '@fig/sentiment';
import { call, failure, healthStatus } from './grpc';

const labelOf: Record<pb.SentimentLabel, string> = {
  [pb.SentimentLabel.SENTIMENT_LABEL_UNSPECIFIED]: 'unspecified',
  [pb.SentimentLabel.SENTIMENT_LABEL_POSITIVE]: 'positive',
  [pb.SentimentLabel.SENTIMENT_LABEL_NEUTRAL]: 'neutral',
  [pb.SentimentLabel.SENTIMENT_LABEL_NEGATIVE]: 'negative',
  [pb.SentimentLabel.UNRECOGNIZED]: 'unrecognized',
};

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

/**
 * What any fig.model.v1.ModelService must do, whatever its language: run it
 * against an implementation's address (`target()` is read in beforeAll, so it
 * may be set by the caller's own beforeAll). libs/sentiment is the reference:
 * every example of the shared evaluation set must get its label.
 */
export function describeModelServiceConformance(implementation: string, target: () => string) {
  describe(`ModelService conformance: ${implementation}`, () => {
    let client: pb.ModelServiceClient;
    let described: pb.DescribeResponse;
    const score = (text: string) => call(client, client.score, { text });
    const batch = (texts: string[]) => call(client, client.scoreBatch, { texts });

    beforeAll(async () => {
      client = new pb.ModelServiceClient(target(), credentials.createInsecure());
      described = await call(client, client.describe, {});
    });
    afterAll(() => client?.close());

    it('describes a model version, its model and its accuracy on the shared evaluation set', () => {
      expect(MODEL_VERSIONS).toContain(described.model);
      expect(described.name).toBe(described.model === 'v1' ? 'AFINN-165' : 'VADER');
      expect(described.implementation).not.toBe('');
      const { total, correct, accuracy } = described.evaluation!;
      expect(total).toBe(evaluationSet.length);
      expect(accuracy).toBeCloseTo(correct / total, 12);
    });

    it('labels every evaluation example as libs/sentiment does, for the accuracy it describes', async () => {
      const reference = createModel(described.model as ModelVersion);
      const disagreements: string[] = [];
      let correct = 0;
      for (const examples of chunks(evaluationSet, 64)) {
        const { sentiments } = await batch(examples.map((e) => e.text));
        sentiments.forEach((s, i) => {
          const { text, label } = examples[i]!;
          const expected = reference.score(text).label;
          if (labelOf[s.label] !== expected) disagreements.push(`${text}: ${labelOf[s.label]}`);
          if (labelOf[s.label] === label) correct += 1;
        });
      }
      expect(disagreements).toEqual([]);
      expect(correct).toBe(described.evaluation!.correct);
    });

    it('scores in [-1, 1] at 4 decimals, labels by the ±0.05 cut-offs and names its version', async () => {
      for (const text of ['What a wonderful day', 'Awful, just awful', 'We came by train']) {
        const { sentiment } = await score(text);
        const { label, score: value, model } = sentiment!;
        expect(Math.abs(value)).toBeLessThanOrEqual(1);
        expect(Math.round(value * 10_000) / 10_000).toBe(value);
        const expected = value >= 0.05 ? 'positive' : value <= -0.05 ? 'negative' : 'neutral';
        expect([text, labelOf[label]]).toEqual([text, expected]);
        expect(model).toBe(described.model);
      }
    });

    it('scores the trimmed text', async () => {
      expect(await score(' \t great fun\u00a0 ')).toEqual(await score('great fun'));
    });

    it('answers a batch in order, exactly as single calls', async () => {
      const texts = ['I love it', 'I hate it', 'It is a chair'];
      const singles = await Promise.all(texts.map(score));
      expect((await batch(texts)).sentiments).toEqual(singles.map((s) => s.sentiment));
    });

    it.each([
      ['empty', '', 'REQUIRED'],
      ['blank', ' \t ', 'REQUIRED'],
      ['281 characters', 'x'.repeat(281), 'TOO_LONG'],
      ['a control character', 'line\nbreak', 'CONTROL_CHARACTERS'],
    ])('rejects a text that is %s: INVALID_ARGUMENT naming the field', async (_, text, code) => {
      const error = await failure(score(text));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      const app = fromGrpcError(error);
      expect(app.code).toBe('VALIDATION_FAILED');
      expect(app.details?.fields?.map((f) => [f.field, f.code])).toEqual([['text', code]]);
    });

    it('counts length in code points: 280 emoji are a valid text', async () => {
      const { sentiment } = await score('\u{1f600}'.repeat(280));
      expect(sentiment?.model).toBe(described.model);
    });

    it('reports every bad text of a batch by index, at once', async () => {
      const app = fromGrpcError(await failure(batch(['fine', '', 'ok', 'x'.repeat(281)])));
      expect(app.details?.fields?.map((f) => [f.field, f.code])).toEqual([
        ['texts[1]', 'REQUIRED'],
        ['texts[3]', 'TOO_LONG'],
      ]);
    });

    it('takes 1 to 64 texts in a batch', async () => {
      expect((await batch(Array(64).fill('good'))).sentiments).toHaveLength(64);
      for (const [count, code] of [
        [0, 'REQUIRED'],
        [65, 'TOO_MANY'],
      ] as const) {
        const app = fromGrpcError(await failure(batch(Array(count).fill('good'))));
        expect(app.details?.fields?.map((f) => [f.field, f.code])).toEqual([['texts', code]]);
      }
    });

    it('reports SERVING through grpc.health.v1 for the server and for ModelService', async () => {
      expect(await healthStatus(target(), '')).toBe('SERVING');
      expect(await healthStatus(target(), modelServiceName)).toBe('SERVING');
    });
  });
}
