export {
  AppError,
  errorCatalogue,
  isAppError,
  type ErrorCode,
  type FieldViolation,
} from './catalogue';
export { errorBody, type ErrorBody } from './body';
export { errorHandler, notFoundHandler } from './express';
export { answerClientErrors, boundedServerOptions, rawErrorResponse } from './node-http';
