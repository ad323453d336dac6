import { AppError, type FieldViolation } from '@fig/errors';
import type { NewEntry } from './entry';

export const limits = {
  author: { min: 1, max: 40 },
  text: { min: 1, max: 280 },
  pageSize: { default: 20, max: 100 },
  idempotencyKey: { max: 200 },
} as const;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function checkField(
  body: Record<string, unknown>,
  field: 'author' | 'text',
  violations: FieldViolation[],
): string {
  const raw = body[field];
  const { min, max } = limits[field];
  if (raw === undefined || raw === null) {
    violations.push({ field, code: 'REQUIRED', message: `${field} is required` });
    return '';
  }
  if (typeof raw !== 'string') {
    violations.push({ field, code: 'NOT_A_STRING', message: `${field} must be a string` });
    return '';
  }
  const value = raw.trim();
  // Length is counted in code points, as a person counts characters (an emoji is one).
  const length = [...value].length;
  if (length < min)
    violations.push({ field, code: 'REQUIRED', message: `${field} must not be blank` });
  else if (length > max) {
    violations.push({
      field,
      code: 'TOO_LONG',
      message: `${field} must be at most ${max} characters`,
    });
  } else if (controlCharacters.test(value)) {
    violations.push({
      field,
      code: 'CONTROL_CHARACTERS',
      message: `${field} must not contain control characters`,
    });
  }
  return value;
}

function requireObject(body: unknown, expected: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', `The body must be a JSON object with ${expected}`, {
      fields: [{ field: '(body)', code: 'NOT_AN_OBJECT', message: 'expected a JSON object' }],
    });
  }
  return body as Record<string, unknown>;
}

function throwIfAny(violations: FieldViolation[]) {
  if (violations.length) {
    throw new AppError('VALIDATION_FAILED', violations.map((v) => v.message).join('; '), {
      fields: violations,
    });
  }
}

/** Turns an untrusted body into a NewEntry, or throws VALIDATION_FAILED naming every bad field. */
export function validateNewEntry(body: unknown): NewEntry {
  const object = requireObject(body, 'author and text');
  const violations: FieldViolation[] = [];
  const author = checkField(object, 'author', violations);
  const text = checkField(object, 'text', violations);
  throwIfAny(violations);
  return { author, text };
}

/** The body of POST /api/sentiment: `text` under the same rules as an entry's. */
export function validateSentimentRequest(body: unknown): string {
  const violations: FieldViolation[] = [];
  const text = checkField(requireObject(body, 'text'), 'text', violations);
  throwIfAny(violations);
  return text;
}

/** Idempotency keys are opaque to us but bounded, so they cannot bloat Redis. */
export function validateIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > limits.idempotencyKey.max || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('INVALID_IDEMPOTENCY_KEY');
  }
  return key;
}

/** `limit` query value → page size; absent means the default, nonsense is an error. */
export function parsePageSize(raw: unknown): number {
  if (raw === undefined || raw === '') return limits.pageSize.default;
  const n =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d+$/.test(raw)
        ? Number(raw)
        : NaN;
  if (!Number.isInteger(n) || n < 1 || n > limits.pageSize.max) {
    throw new AppError(
      'VALIDATION_FAILED',
      `limit must be a whole number from 1 to ${limits.pageSize.max}`,
      {
        fields: [
          {
            field: 'limit',
            code: 'OUT_OF_RANGE',
            message: `limit must be 1-${limits.pageSize.max}`,
          },
        ],
      },
    );
  }
  return n;
}
