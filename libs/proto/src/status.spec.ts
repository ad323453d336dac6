import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { AppError, type FieldViolation } from '@fig/errors';
import { fromGrpcError, modelErrorDomain, toGrpcStatus } from './status';

/** What a grpc-js client sees when the server answers with `toGrpcStatus`. */
function asReceived(error: AppError, field?: string, domain?: string): ServiceError {
  const { code, details, metadata } = toGrpcStatus(error, field, domain);
  return Object.assign(new Error(`${code} ${details}`), {
    code: code ?? status.UNKNOWN,
    details: details ?? '',
    metadata: metadata ?? new Metadata(),
  });
}

describe('gRPC status mapping', () => {
  it('carries a validation error across with its code, API message and fields', () => {
    const fields: FieldViolation[] = [
      { field: 'author', code: 'REQUIRED', message: 'author is required' },
      { field: 'text', code: 'TOO_LONG', message: 'text must be at most 280 characters' },
    ];
    const sent = new AppError(
      'VALIDATION_FAILED',
      'author is required; text must be at most 280 characters',
      { fields },
    );
    const received = asReceived(sent);
    expect(received.code).toBe(status.INVALID_ARGUMENT);
    const back = fromGrpcError(received);
    expect([back.code, back.message, back.details]).toEqual([sent.code, sent.message, { fields }]);
  });

  it('names the field in the gRPC message but keeps the API message for HTTP', () => {
    const received = asReceived(new AppError('INVALID_CURSOR'), 'page_token');
    expect(received.details).toBe('page_token: The cursor is not one this service issued');
    const back = fromGrpcError(received);
    expect([back.code, back.message, back.details]).toEqual([
      'INVALID_CURSOR',
      'The cursor is not one this service issued',
      undefined,
    ]);
  });

  it('reads ModelService errors (domain model.fig.dev) as Fig errors too', () => {
    const fields: FieldViolation[] = [
      { field: 'texts[1]', code: 'TOO_LONG', message: 'text must be at most 280 characters' },
    ];
    const sent = new AppError('VALIDATION_FAILED', fields[0]!.message, { fields });
    const back = fromGrpcError(asReceived(sent, undefined, modelErrorDomain));
    expect([back.code, back.message, back.details]).toEqual([sent.code, sent.message, { fields }]);
  });

  it('maps the store being down to UNAVAILABLE and back', () => {
    const received = asReceived(new AppError('STORE_UNAVAILABLE'));
    expect(received.code).toBe(status.UNAVAILABLE);
    expect(fromGrpcError(received).code).toBe('STORE_UNAVAILABLE');
  });

  it.each([status.UNAVAILABLE, status.DEADLINE_EXCEEDED])(
    'treats transport failure %i (no details) as STORE_UNAVAILABLE',
    (code) => {
      const error = Object.assign(new Error('x'), { code, details: 'x', metadata: new Metadata() });
      expect(fromGrpcError(error).code).toBe('STORE_UNAVAILABLE');
    },
  );

  it('treats anything unexplained as INTERNAL', () => {
    const error = Object.assign(new Error('x'), {
      code: status.UNKNOWN,
      details: 'x',
      metadata: new Metadata(),
    });
    expect(fromGrpcError(error).code).toBe('INTERNAL');
  });
});
