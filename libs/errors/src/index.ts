export {
  AppError,
  FIELD_VIOLATION_CODES,
  errorCatalogue,
  isAppError,
  type ErrorCode,
  type FieldViolation,
  type FieldViolationCode,
} from './catalogue';
export { errorBody, type ErrorBody } from './body';
export { errorHandler, notFoundHandler } from './express';
export { answerClientErrors, boundedServerOptions, rawErrorResponse } from './node-http';
