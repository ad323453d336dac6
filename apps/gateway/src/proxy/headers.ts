import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the
 * message: a proxy must not forward them. `host` is set by the pool for the
 * upstream, `expect` is answered here, and the X-Forwarded-* and request id
 * headers are rewritten rather than trusted.
 */
const notForwarded = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
  'x-request-id',
]);

const notReturned = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/** Names listed in a Connection header are hop-by-hop for this message too. */
function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const tokens = value.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t !== 'keep-alive' && t !== 'close');
  return tokens.length ? new Set(tokens) : undefined;
}

/**
 * The headers sent upstream, as undici's flat [name, value, …] list. `strip`
 * names trace headers the tracing SDK re-injects for the gateway's own span.
 */
export function upstreamRequestHeaders(req: IncomingMessage, requestId: string, proto: string, strip: ReadonlySet<string>): string[] {
  const raw = req.rawHeaders;
  const listed = connectionTokens(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (notForwarded.has(name) || strip.has(name) || listed?.has(name)) continue;
    out.push(name, raw[i + 1]!);
  }
  const address = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out.push('x-forwarded-for', prior ? `${prior}, ${address}` : address, 'x-forwarded-proto', proto, 'x-request-id', requestId);
  if (req.headers.host) out.push('x-forwarded-host', req.headers.host);
  return out;
}

/** Headers every answer carries unless the upstream chose its own. */
export function securityHeaders(tls: boolean): [string, string][] {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'SAMEORIGIN'],
    ['referrer-policy', 'strict-origin-when-cross-origin'],
  ];
  if (tls) headers.push(['strict-transport-security', 'max-age=31536000; includeSubDomains']);
  return headers;
}

/** The upstream's response headers minus hop-by-hop ones, plus the gateway's own. */
export function clientResponseHeaders(
  upstream: IncomingHttpHeaders,
  own: readonly [string, string][],
  defaults: readonly [string, string][],
): OutgoingHttpHeaders {
  const listed = connectionTokens(upstream.connection as string | undefined);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (notReturned.has(name) || listed?.has(name)) continue;
    out[name] = upstream[name];
  }
  for (const [name, value] of defaults) if (out[name] === undefined) out[name] = value;
  for (const [name, value] of own) out[name] = value;
  return out;
}
