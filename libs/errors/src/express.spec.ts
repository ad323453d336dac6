import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { AppError } from './catalogue';
import { errorHandler } from './express';

/** An app whose one route throws `error`, logging into `lines`. */
function appThrowing(error: unknown) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const app = express();
  app.get('/boom', () => {
    throw error;
  });
  app.use(errorHandler(logger));
  return { app, lines };
}

describe('errorHandler', () => {
  it('answers a known 5xx with its code and logs its cause at warn', async () => {
    const cause = new Error('14 UNAVAILABLE: Connection dropped');
    const { app, lines } = appThrowing(
      new AppError('STORE_UNAVAILABLE', undefined, undefined, { cause }),
    );
    const res = await request(app).get('/boom?token=secret').expect(503);
    expect(res.body.error.code).toBe('STORE_UNAVAILABLE');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'request failed', path: '/boom' });
    expect(JSON.stringify(lines[0])).toContain('Connection dropped');
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });

  it('does not log a client mistake', async () => {
    const { app, lines } = appThrowing(new AppError('VALIDATION_FAILED'));
    await request(app).get('/boom').expect(400);
    expect(lines).toEqual([]);
  });

  it('answers anything else 500 INTERNAL and logs it at error', async () => {
    const { app, lines } = appThrowing(new TypeError('x is undefined'));
    const res = await request(app).get('/boom').expect(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'unhandled error' });
  });
});
