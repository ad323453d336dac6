import { compareAnswers, fieldOf } from './compare';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('compareAnswers', () => {
  it('matches equal JSON whatever the key order', () => {
    expect(
      compareAnswers(
        { status: 200, body: json({ a: 1, b: [1, 2] }) },
        { status: 200, body: json({ b: [1, 2], a: 1 }) },
        [],
      ),
    ).toEqual([]);
  });

  it('names the differing paths and statuses', () => {
    const diffs = compareAnswers(
      { status: 200, body: json({ entries: [{ id: '1', text: 'a' }], nextCursor: null }) },
      { status: 500, body: json({ entries: [{ id: '1', text: 'b' }], nextCursor: null }) },
      [],
    );
    expect(diffs).toEqual(['status: 200 != 500', 'entries[0].text: "a" != "b"']);
  });

  it('ignores volatile fields, in arrays and under wildcards', () => {
    const a = { entries: [{ id: '1', createdAt: 'x' }], meta: { pod: 'p1', at: 1 } };
    const b = { entries: [{ id: '1', createdAt: 'y' }], meta: { pod: 'p2', at: 2 } };
    expect(
      compareAnswers({ status: 200, body: json(a) }, { status: 200, body: json(b) }, [
        'entries[].createdAt',
        'meta.*',
      ]),
    ).toEqual([]);
    expect(
      compareAnswers({ status: 200, body: json(a) }, { status: 200, body: json(b) }, [
        'entries[].createdAt',
      ]),
    ).toHaveLength(2);
  });

  it('compares non-JSON bodies byte for byte', () => {
    expect(
      compareAnswers(
        { status: 200, body: Buffer.from('<p>a') },
        { status: 200, body: Buffer.from('<p>b') },
        [],
      ),
    ).toEqual(['body: bytes differ']);
  });
});

describe('fieldOf', () => {
  it('names the field of a difference, folding array indices', () => {
    expect(fieldOf('entries[12].sentiment.label: "positive" != "neutral"')).toBe(
      'entries[].sentiment.label',
    );
    expect(fieldOf('status: 200 != 500')).toBe('status');
    expect(fieldOf('body: bytes differ')).toBe('body');
  });
});
