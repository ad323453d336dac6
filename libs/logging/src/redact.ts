/** A parameter name worth keeping in a log line: short and plain, so not itself a secret. */
const plainName = /^[\w.-]{1,32}$/;

/**
 * A request target fit for a log line: the path as sent, every query value
 * replaced (a token or an e-mail address in a query string must not end up in
 * logs), and names kept only when they look like names.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url.slice(at + 1);
  if (!query) return url;
  const params = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    return plainName.test(name) ? `${name}=[redacted]` : '[redacted]';
  });
  return `${url.slice(0, at)}?${params.join('&')}`;
}
