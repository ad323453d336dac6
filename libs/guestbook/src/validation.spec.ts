import { AppError } from '@fig/errors';
import { parsePageSize, validateIdempotencyKey, validateNewEntry } from './validation';

function violationsOf(body: unknown) {
  try {
    validateNewEntry(body);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION_FAILED');
    return (err as AppError).details?.fields?.map((f) => `${f.field}:${f.code}`);
  }
  throw new Error('expected a validation error');
}

describe('validateNewEntry', () => {
  it('trims author and text', () => {
    expect(validateNewEntry({ author: '  Ada ', text: ' hello  ' })).toEqual({
      author: 'Ada',
      text: 'hello',
    });
  });

  it('accepts right-to-left text, its marks and emoji joined with zero-width joiners', () => {
    const text = 'שלום \u200fעולם 👩\u200d💻';
    expect(validateNewEntry({ author: 'دانا', text }).text).toBe(text);
  });

  it('accepts the boundary lengths, counting an emoji as one character', () => {
    const author = '😀'.repeat(40);
    expect(validateNewEntry({ author, text: 'x'.repeat(280) }).author).toBe(author);
  });

  it.each([
    [{ text: 'hi' }, ['author:REQUIRED']],
    [{ author: '   ', text: 'hi' }, ['author:REQUIRED']],
    [{ author: 'a'.repeat(41), text: 'hi' }, ['author:TOO_LONG']],
    [{ author: 'Ada', text: 'x'.repeat(281) }, ['text:TOO_LONG']],
    [{ author: 'Ada', text: 'line\nbreak' }, ['text:CONTROL_CHARACTERS']],
    [{ author: 'A\u0007da', text: 'bell' }, ['author:CONTROL_CHARACTERS']],
    [{ author: '\u200b', text: 'hi' }, ['author:REQUIRED']],
    [{ author: 'Ada', text: ' \u200b\u200d\u2060\ufeff\u00ad\u3164\u180e ' }, ['text:REQUIRED']],
    [{ author: 'admin\u202eexe.txt', text: 'hi' }, ['author:BIDI_CONTROLS']],
    [{ author: 'Ada', text: 'isolate \u2067opened' }, ['text:BIDI_CONTROLS']],
    [{ author: 'Ada', text: 'lone \ud800 surrogate' }, ['text:INVALID_UNICODE']],
    [{ author: 'Ada', text: 'reversed \udc00\ud800 pair' }, ['text:INVALID_UNICODE']],
    [{ author: 42, text: ['x'] }, ['author:NOT_A_STRING', 'text:NOT_A_STRING']],
    [{}, ['author:REQUIRED', 'text:REQUIRED']],
    [[], ['(body):NOT_AN_OBJECT']],
    ['text', ['(body):NOT_AN_OBJECT']],
    [null, ['(body):NOT_AN_OBJECT']],
  ])('rejects %j with %j', (body, expected) => {
    expect(violationsOf(body)).toEqual(expected);
  });
});

describe('parsePageSize', () => {
  it('defaults to 20', () => expect(parsePageSize(undefined)).toBe(20));
  it('accepts 1..100', () => expect(parsePageSize('100')).toBe(100));
  it.each(['0', '101', '-1', '2.5', 'ten', '1e2'])('rejects %s', (raw) => {
    expect(() => parsePageSize(raw)).toThrow(/limit must be/);
  });
});

describe('validateIdempotencyKey', () => {
  it('passes absent keys and sane keys through', () => {
    expect(validateIdempotencyKey(undefined)).toBeUndefined();
    expect(validateIdempotencyKey('order-42')).toBe('order-42');
  });
  it.each(['', 'has space', 'x'.repeat(201)])('rejects %j', (key) => {
    expect(() => validateIdempotencyKey(key)).toThrow(AppError);
  });
});
