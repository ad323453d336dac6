/**
 * The one list of error codes a client of Fig can see. Codes are stable API:
 * callers branch on `code`, never on message text. Each boundary maps them once
 * (HTTP status here, gRPC status in store-svc).
 */
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid' },
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not one this service issued' },
  INVALID_IDEMPOTENCY_KEY: {
    status: 400,
    message: 'Idempotency-Key must be 1-200 visible characters',
  },
  INVALID_PATH: {
    status: 400,
    message: 'The path is not canonical (empty, dot or encoded segments)',
  },
  MALFORMED_REQUEST: { status: 400, message: 'The request is not valid HTTP' },
  UNAUTHENTICATED: { status: 401, message: 'Credentials are missing or invalid' },
  FORBIDDEN: { status: 403, message: 'These credentials may not do this' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The body is larger than allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The body must be application/json' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  TOO_MANY_IN_FLIGHT: {
    status: 429,
    message: 'Too many requests from this client are still in progress',
  },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are larger than allowed' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side' },
  BAD_GATEWAY: { status: 502, message: 'The upstream answered with an error' },
  STORE_UNAVAILABLE: { status: 503, message: 'The data store is unavailable' },
  UPSTREAM_UNAVAILABLE: { status: 503, message: 'No upstream is available' },
  SHUTTING_DOWN: { status: 503, message: 'This instance is shutting down' },
  UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream did not answer in time' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** What can be wrong with one field of a request: the `code` of a field violation. */
export const FIELD_VIOLATION_CODES = [
  'REQUIRED',
  'NOT_A_STRING',
  'NOT_AN_OBJECT',
  'TOO_LONG',
  'TOO_MANY',
  'CONTROL_CHARACTERS',
  'BIDI_CONTROLS',
  'INVALID_UNICODE',
  'OUT_OF_RANGE',
  'UNKNOWN_MODEL',
] as const;
export type FieldViolationCode = (typeof FIELD_VIOLATION_CODES)[number];

export interface FieldViolation {
  field: string;
  code: FieldViolationCode;
  message: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = errorCatalogue[code].message,
    readonly details?: { fields?: FieldViolation[]; retryAfterSeconds?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.status = errorCatalogue[code].status;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
