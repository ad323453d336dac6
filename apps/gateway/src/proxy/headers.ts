import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the
 * message: a proxy must not forward them. `host` is set by the pool for the
 * upstream, `expect` is answered here, and the X-Forwarded-* and request id
 * headers are rewritten rather than trusted.
 */
const notForwarded = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
]);

const notReturned = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Names listed in a Connection header are hop-by-hop for this message too. */
function connectionTokens(value: string | undefined): Set<string> | undefined {
  // The common values name no header: skip the parsing (this runs on every request).
  if (!value || value.length <= 10) return undefined;
  if (/^\s*(keep-alive|close)\s*$/i.test(value)) return undefined;
  const tokens = value
    .toLowerCase()
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== 'keep-alive' && t !== 'close');
  return tokens.length ? new Set(tokens) : undefined;
}

/**
 * The headers sent upstream, as undici's flat [name, value, …] list. `strip`
 * names trace headers the tracing SDK re-injects for the gateway's own span.
 */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  requestId: string,
  proto: string,
  strip: ReadonlySet<string>,
): string[] {
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
  out.push(
    'x-forwarded-for',
    prior ? `${prior}, ${address}` : address,
    'x-forwarded-proto',
    proto,
    'x-request-id',
    requestId,
  );
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

/** Set by the gateway itself on every answer, whatever the upstream sent. */
const ownHeaders = new Set(['x-request-id', 'x-fig-served-by']);

/**
 * The client's response headers, from the upstream's, as the flat
 * [name, value, …] list `writeHead` takes: hop-by-hop ones out, defaults in
 * where the upstream set none, the gateway's own headers over everything.
 * Built as a new list rather than by deleting from undici's object: a
 * `delete` turns that object into a slow dictionary for every later read,
 * and node:http stores a list without walking an object's keys.
 */
export function toClientHeaders(
  headers: IncomingHttpHeaders,
  defaults: readonly [string, string][],
  requestId: string,
  servedBy: string | undefined,
  /** Cookies the gateway set (a new sticky id): they go first, before the upstream's own. */
  cookies?: string[],
): (string | string[])[] {
  const listed = connectionTokens(headers.connection as string | undefined);
  const out: (string | string[])[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || notReturned.has(name) || ownHeaders.has(name)) continue;
    if (listed?.has(name) || (cookies && name === 'set-cookie')) continue;
    out.push(name, value);
  }
  for (const [name, value] of defaults) if (headers[name] === undefined) out.push(name, value);
  if (cookies) out.push('set-cookie', [...cookies, ...(headers['set-cookie'] ?? [])]);
  out.push('x-request-id', requestId);
  if (servedBy) out.push('x-fig-served-by', servedBy);
  return out;
}
