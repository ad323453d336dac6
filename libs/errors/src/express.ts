import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, isAppError } from './catalogue';
import { errorBody } from './body';

/** Errors raised by Express's body parser carry a `type`; map the ones clients cause. */
function fromBodyParser(err: { type?: string; status?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_JSON');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('VALIDATION_FAILED', 'The body was cut short');
    default:
      return undefined;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = isAppError(err) ? err : fromBodyParser(err);
    const error = known ?? new AppError('INTERNAL');
    // The path only: a query string may carry a secret (see @fig/logging's redactUrl).
    if (!known) logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    // A known 5xx (a dependency away, a deadline passed) is not a bug, but an
    // operator needs its cause: the client only sees the code.
    else if (error.status >= 500)
      logger.warn({ err, method: req.method, path: req.path }, 'request failed');
    if (error.details?.retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(error.details.retryAfterSeconds));
    }
    res.status(error.status).json(errorBody(error.code, error.message, error.details?.fields));
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) =>
  next(new AppError('NOT_FOUND'));
