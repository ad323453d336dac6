import type { ErrorCode, FieldViolation } from './catalogue';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: FieldViolation[] };
}

export function errorBody(code: ErrorCode, message: string, fields?: FieldViolation[]): ErrorBody {
  return { error: fields?.length ? { code, message, fields } : { code, message } };
}
