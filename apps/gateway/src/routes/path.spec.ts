import { isCanonicalPath } from './path';

describe('isCanonicalPath', () => {
  it.each([
    '/',
    '/api/entries',
    '/a%20b',
    '/a%3Fb',
    '/caf%C3%A9',
    '/files/report.v2.json',
    '/.well-known/health',
  ])('accepts %s', (path) => {
    expect(isCanonicalPath(path)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['*', 'asterisk form'],
    ['http://evil.example/admin', 'absolute form'],
    ['//admin', 'empty first segment'],
    ['/api//entries', 'empty inner segment'],
    ['/./admin', 'dot segment'],
    ['/public/../admin', 'dot-dot segment'],
    ['/admin/..', 'trailing dot-dot'],
    ['/%2e%2e/admin', 'encoded dot-dot'],
    ['/admin%2Fkeys', 'encoded slash'],
    ['/admin%5ckeys', 'encoded backslash'],
    ['/admin\\keys', 'backslash'],
    ['/%61dmin', 'encoded letter'],
    ['/api/entries%5F', 'encoded underscore'],
    ['/api/entries/', 'trailing slash'],
    ['/api/entries//', 'trailing double slash'],
    ['/api/entries;jsessionid=1', 'path parameter'],
    ['/api;x/entries', 'segment parameter'],
    ['/api/entries#frag', 'fragment'],
    ['/api/entries%', 'truncated escape'],
    ['/api/entries%zz', 'malformed escape'],
    ['/api/entries%2e', 'encoded dot'],
    ['/api/entries/%2e%2e', 'encoded dot segment'],
  ])('refuses %s (%s)', (path) => {
    expect(isCanonicalPath(path)).toBe(false);
  });
});
