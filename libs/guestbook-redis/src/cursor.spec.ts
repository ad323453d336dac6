import { AppError } from '@fig/errors';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursors', () => {
  it('round-trip a sequence', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
  });

  it.each(['', 'garbage', encodeCursor(0), Buffer.from('v2:5').toString('base64url'), 'djE6NQ=='])(
    'reject %j with INVALID_CURSOR',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(AppError);
      try {
        decodeCursor(cursor);
      } catch (err) {
        expect((err as AppError).code).toBe('INVALID_CURSOR');
      }
    },
  );
});
