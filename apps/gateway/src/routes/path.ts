/**
 * Paths the gateway routes on must mean one thing to every hop (ADR 0204,
 * docs/adr/0207-one-path-rule.md). A path an upstream might rewrite or read
 * loosely before matching (`/public/../admin`, `//admin`, `/%61dmin`,
 * `/admin%2Fkeys`, `/admin/`, `/admin;x`) could reach a route guarded here
 * through a route that is not, so such paths are refused rather than guessed at.
 *
 * Refused: anything not starting with `/`, empty segments, `.` and `..`
 * segments, a trailing slash (except the root), backslashes, `;` path
 * parameters, `#` fragments, malformed percent escapes, percent-encoded
 * slashes and backslashes, and percent-encoded unreserved characters
 * (RFC 3986 §6.2.2.2 says to decode those, so a canonical path never carries
 * them). Case is significant on both sides: the route table compares exactly,
 * refuses case variants of its own paths (see RouteTable), and the services
 * route case-sensitively and strictly.
 */
const nonCanonical =
  /\/\/|\/\.{1,2}(?:\/|$)|\\|[;#]|%(?![0-9a-f]{2})|%(?:2f|5c|2d|2e|3[0-9]|[46][1-9a-f]|[57][0-9a]|5f|7e)|.\/$/i;

export function isCanonicalPath(path: string): boolean {
  return path.startsWith('/') && !nonCanonical.test(path);
}
