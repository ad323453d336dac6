import { AppError } from '@fig/errors';

/**
 * Cursors are opaque to clients: base64url of "v1:<sequence>", the sequence of
 * the last entry on the page. Versioned so the scheme can change without
 * misreading old cursors.
 */
export function encodeCursor(sequence: number): string {
  return Buffer.from(`v1:${sequence}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const sequence = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(sequence) || sequence < 1 || encodeCursor(sequence) !== cursor) {
    throw new AppError('INVALID_CURSOR');
  }
  return sequence;
}
