import { AppError } from '@fig/errors';
import { validTexts } from './validation';

function fieldsOf(texts: string[]) {
  try {
    validTexts(texts);
  } catch (err) {
    if (err instanceof AppError) return err.details?.fields;
    throw err;
  }
  return [];
}

describe('batch validation', () => {
  it('names each bad text by its index, with the API message reworded for it', () => {
    expect(fieldsOf(['ok', ' ', 'x'.repeat(281)])).toEqual([
      { field: 'texts[1]', code: 'REQUIRED', message: 'texts[1] must not be blank' },
      { field: 'texts[2]', code: 'TOO_LONG', message: 'texts[2] must be at most 280 characters' },
    ]);
  });

  it('returns the texts trimmed', () => {
    expect(validTexts(['  a ', 'b\u00a0'])).toEqual(['a', 'b']);
  });
});
