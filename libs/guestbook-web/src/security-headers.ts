import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's headers, with `upgrade-insecure-requests` in the CSP only when the
 * page really came over TLS: to this process, or to a proxy the app trusts
 * (`trust proxy`) that says so in X-Forwarded-Proto. Sent over plain HTTP, the
 * directive makes the browser fetch the live script and post the form to
 * https:// on the same host — which fails on any address but localhost
 * (minikube ip, a NodePort, an Ingress, a LAN address). Over TLS it still
 * upgrades any stray http:// reference. See docs/adr/0106.
 */
export function securityHeaders(): RequestHandler {
  const overTls = helmet();
  const overPlainHttp = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  return (req, res, next) => (req.secure ? overTls : overPlainHttp)(req, res, next);
}
