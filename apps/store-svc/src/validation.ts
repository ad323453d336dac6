import { AppError, type FieldViolation } from '@fig/errors';
import {
  limits,
  validateIdempotencyKey,
  validateNewEntry,
  type ListOptions,
  type NewEntry,
} from '@fig/guestbook';
import {
  labelOf,
  sentimentFromProto,
  type AddEntryRequest,
  type ListEntriesRequest,
} from '@fig/proto';
import { MODEL_VERSIONS, isModelVersion, type Sentiment } from '@fig/sentiment';

function sentimentViolations(sentiment: AddEntryRequest['sentiment']): FieldViolation[] {
  if (!sentiment) return [];
  const violations: FieldViolation[] = [];
  if (!labelOf(sentiment.label)) {
    violations.push({
      field: 'sentiment.label',
      code: 'REQUIRED',
      message: 'sentiment.label must be set',
    });
  }
  if (!Number.isFinite(sentiment.score) || sentiment.score < -1 || sentiment.score > 1) {
    violations.push({
      field: 'sentiment.score',
      code: 'OUT_OF_RANGE',
      message: 'sentiment.score must be from -1 to 1',
    });
  }
  if (!isModelVersion(sentiment.model)) {
    violations.push({
      field: 'sentiment.model',
      code: 'UNKNOWN_MODEL',
      message: `sentiment.model must be ${MODEL_VERSIONS.join(' or ')}`,
    });
  }
  return violations;
}

export interface ValidAddEntry {
  entry: NewEntry;
  sentiment: Sentiment | null;
  idempotencyKey?: string;
}

/**
 * The entry rules are the API's own (@fig/guestbook), so a request the
 * monolith accepts is one this service accepts, with the same messages.
 * Every bad field is reported at once.
 */
export function validateAddEntry(request: AddEntryRequest): ValidAddEntry {
  const violations: FieldViolation[] = [];
  let entry: NewEntry = { author: '', text: '' };
  try {
    entry = validateNewEntry({ author: request.author, text: request.text });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    violations.push(...(err.details?.fields ?? []));
  }
  violations.push(...sentimentViolations(request.sentiment));
  if (violations.length) {
    throw new AppError('VALIDATION_FAILED', violations.map((v) => v.message).join('; '), {
      fields: violations,
    });
  }
  const idempotencyKey = validateIdempotencyKey(request.idempotencyKey || undefined);
  return {
    entry,
    sentiment: sentimentFromProto(request.sentiment),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}

/** A page_size as a limit: 0 is the default, above the maximum is refused. */
export function validatePageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > limits.pageSize.max) {
    const message = `page_size must be 0-${limits.pageSize.max}`;
    throw new AppError('VALIDATION_FAILED', message, {
      fields: [{ field: 'page_size', code: 'OUT_OF_RANGE', message }],
    });
  }
  return pageSize || limits.pageSize.default;
}

export function validateListEntries({ pageSize, pageToken }: ListEntriesRequest): ListOptions {
  return { limit: validatePageSize(pageSize), ...(pageToken ? { cursor: pageToken } : {}) };
}
