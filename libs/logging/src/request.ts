import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from './redact';

export interface RequestWithContext extends Request {
  id: string;
  log: Logger;
}

const validId = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is sane, so one
 * id follows a request through the gateway and every service) and a child
 * logger, and logs one line when the response is finished.
 */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const id = incoming && validId.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    const ctx = req as RequestWithContext;
    ctx.id = id;
    ctx.log = logger.child({ req_id: id });
    res.setHeader('X-Request-Id', id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.log.info(
        {
          method: req.method,
          url: redactUrl(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    next();
  };
}
