import { AppError, type FieldViolation, type FieldViolationCode } from '@fig/errors';
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

// Explicit bidi embeddings, overrides and isolates (LRE…RLO, LRI…PDI): one left
// open reverses or reorders the text after it on the page. Marks (LRM, RLM,
// ALM) open nothing and stay allowed for right-to-left writing.
const bidiControls = /[\u202a-\u202e\u2066-\u2069]/;

// A UTF-16 surrogate not in a pair (`"\ud800"` in JSON) cannot be stored as UTF-8.
const loneSurrogate = /\p{Cs}/u;

// Whitespace and characters with no glyph (zero-width space, joiners, word
// joiner, BOM, soft hyphen, fillers, variation selectors): a value made only
// of these looks blank to a reader, so it counts as blank.
const invisible = /[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** The first rule `value` breaks, as a violation code and message, or undefined. */
function characterViolation(
  value: string,
  field: string,
): [FieldViolationCode, string] | undefined {
  if (controlCharacters.test(value))
    return ['CONTROL_CHARACTERS', `${field} must not contain control characters`];
  if (bidiControls.test(value))
    return ['BIDI_CONTROLS', `${field} must not contain bidirectional override characters`];
  if (loneSurrogate.test(value))
    return ['INVALID_UNICODE', `${field} must be well-formed Unicode text`];
  return undefined;
}

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
  const visible = value.replace(invisible, '').length > 0;
  if (length < min || !visible)
    violations.push({ field, code: 'REQUIRED', message: `${field} must not be blank` });
  else if (length > max) {
    violations.push({
      field,
      code: 'TOO_LONG',
      message: `${field} must be at most ${max} characters`,
    });
  } else {
    const broken = characterViolation(value, field);
    if (broken) violations.push({ field, code: broken[0], message: broken[1] });
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
