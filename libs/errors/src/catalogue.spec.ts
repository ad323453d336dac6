import { AppError, errorCatalogue, type FieldViolation } from './catalogue';
import { errorBody } from './body';

describe('error catalogue', () => {
  it('gives every code an HTTP error status', () => {
    for (const [code, { status }] of Object.entries(errorCatalogue)) {
      expect([code, status >= 400 && status < 600]).toEqual([code, true]);
    }
  });

  it('builds errors whose status comes from the catalogue', () => {
    const error = new AppError('PAYLOAD_TOO_LARGE');
    expect(error.status).toBe(413);
    expect(error.message).toBe(errorCatalogue.PAYLOAD_TOO_LARGE.message);
  });

  it('puts field violations in the body only when there are some', () => {
    expect(errorBody('NOT_FOUND', 'x')).toEqual({ error: { code: 'NOT_FOUND', message: 'x' } });
    const fields: FieldViolation[] = [
      { field: 'author', code: 'REQUIRED', message: 'author is required' },
    ];
    expect(errorBody('VALIDATION_FAILED', 'bad', fields).error.fields).toEqual(fields);
  });
});
