export { createLogger, type LoggerOptions } from './logger';
export { requestContext, type RequestWithContext } from './request';
export type { Logger } from 'pino';
export { redactUrl } from './redact';
