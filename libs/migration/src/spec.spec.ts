import { migrationFileSchema } from './spec';
import { parseYamlFile, YamlFileError } from './yaml-file';

const parse = (text: string) => parseYamlFile(migrationFileSchema, text, 'm.yaml');

describe('migration spec', () => {
  it('fills in the defaults of a minimal spec', () => {
    const file = parse(`version: 1
migrations:
  - route: items
    current: monolith
    candidate: store
    steps: [{ mirror: 10 }, { weight: 100 }]
`);
    expect(file.migrations[0]).toMatchObject({
      interval: 30_000,
      minRequests: 100,
      rollback: 'last-good',
      gates: { mismatchRate: 0.01, errorRate: 0.01, minSamples: 10, p99: { maxRatio: 1.5 } },
    });
  });

  it('names the line of every problem: a typo, a bad duration, steps out of order', () => {
    const text = `version: 1
migrations:
  - route: items
    current: monolith
    candidate: store
    steps:
      - weight: 10
      - mirror: 50
    interval: soon
    gates: { mismatchRatio: 0.1 }
`;
    const err = (() => {
      try {
        parse(text);
      } catch (e) {
        return e as YamlFileError;
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('INVALID_FILE');
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^line 8: migrations\.0\.steps\.1: mirror steps come before weight steps/,
        ),
        expect.stringMatching(/^line 9: migrations\.0\.interval: must be a duration/),
        expect.stringMatching(/^line 10: .*mismatchRatio/),
      ]),
    );
  });
});
