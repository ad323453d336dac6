import express from 'express';
import request from 'supertest';
import { securityHeaders } from './security-headers';

/** The CSP a page gets from an app with these headers and this `trust proxy` setting. */
async function cspFor(trustProxy: string | false, headers: Record<string, string> = {}) {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use(securityHeaders());
  app.get('/', (_req, res) => res.type('html').send('<p>page</p>'));
  const res = await request(app).get('/').set(headers).expect(200);
  return res.get('content-security-policy') ?? '';
}

describe('the security headers of the page', () => {
  it('keep the page, its script and its form on plain HTTP when the request came over plain HTTP', async () => {
    const csp = await cspFor('loopback');
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/form-action 'self'/);
  });

  it('upgrade insecure requests when a trusted proxy says the page was served over TLS', async () => {
    expect(await cspFor('loopback', { 'x-forwarded-proto': 'https' })).toMatch(
      /upgrade-insecure-requests/,
    );
  });

  it('ignore X-Forwarded-Proto from a client that is not a trusted proxy', async () => {
    expect(await cspFor(false, { 'x-forwarded-proto': 'https' })).not.toMatch(
      /upgrade-insecure-requests/,
    );
  });
});
