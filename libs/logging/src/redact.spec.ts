import { redactUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['/api/entries', '/api/entries'],
    ['/api/entries?', '/api/entries?'],
    ['/api/entries?limit=5', '/api/entries?limit=[redacted]'],
    ['/cb?token=eyJhbGciOi.x.y&state=1', '/cb?token=[redacted]&state=[redacted]'],
    ['/x?eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', '/x?[redacted]'],
    ['/x?a%20b=1&flag', '/x?[redacted]&flag=[redacted]'],
  ])('logs %s as %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});
