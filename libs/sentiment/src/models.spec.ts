import { MODEL_VERSIONS, createModel } from './index';

const v1 = createModel('v1');
const v2 = createModel('v2');

describe('createModel', () => {
  it('returns a model for every listed version', () => {
    expect(MODEL_VERSIONS).toEqual(['v1', 'v2']);
    for (const version of MODEL_VERSIONS) {
      const model = createModel(version);
      expect(model.version).toBe(version);
      expect(model.score('Lovely place').model).toBe(version);
    }
  });

  it('rejects an unknown version', () => {
    expect(() => createModel('v3' as never)).toThrow('Unknown sentiment model version: v3');
  });
});

describe.each([v1, v2])('model $version', (model) => {
  it.each([
    ['What a wonderful, friendly place. Thank you!', 'positive'],
    ['Terrible service and a horrible, dirty room.', 'negative'],
    ['We arrived on Tuesday by train.', 'neutral'],
  ] as const)('labels %p as %s', (text, label) => {
    expect(model.score(text).label).toBe(label);
  });

  it('scores the empty string as neutral 0', () => {
    expect(model.score('')).toEqual({ label: 'neutral', score: 0, model: model.version });
  });

  it('keeps scores in [-1, 1] for long and extreme texts', () => {
    const texts = [
      'superb outstanding fantastic wonderful '.repeat(500),
      'horrible awful terrible disgusting '.repeat(500),
      'AMAZING!!! '.repeat(200),
      'good bad '.repeat(1000),
    ];
    for (const text of texts) {
      const { score } = model.score(text);
      expect(score).toBeGreaterThanOrEqual(-1);
      expect(score).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic', () => {
    const text = 'The staff were kind but the room was cold.';
    expect(model.score(text)).toEqual(model.score(text));
  });
});

describe('negation', () => {
  it.each(['The film was not great.', "The staff weren't friendly.", 'Not happy with the room.'])(
    'v2 reads %p as negative, v1 does not',
    (text) => {
      expect(v2.score(text).label).toBe('negative');
      expect(v1.score(text).label).toBe('positive');
    },
  );

  it('v2 also sees a capitalised negation at the start of a sentence', () => {
    expect(v2.score('Not good.').label).toBe('negative');
    expect(v2.score('Not bad at all!').label).toBe('positive');
  });
});

describe('v1 lexicon matching', () => {
  it('matches multi-word AFINN entries instead of their words', () => {
    // "stand" alone is not in AFINN; "can't stand" is (-3).
    expect(v1.score("I can't stand the queue").score).toBeLessThan(0);
  });

  it('ignores case, punctuation and quotes around words', () => {
    expect(v1.score("'GREAT'!!!").score).toBe(v1.score('great').score);
  });
});
