/**
 * Paths the gateway routes on must mean one thing to every hop. A path an
 * upstream would rewrite before matching (`/public/../admin`, `//admin`,
 * `/%61dmin`, `/admin%2Fkeys`) could reach a route guarded here through a
 * route that is not, so such paths are refused rather than guessed at.
 *
 * Refused: anything not starting with `/`, empty segments, `.` and `..`
 * segments, backslashes, percent-encoded slashes and backslashes, and
 * percent-encoded unreserved characters (RFC 3986 §6.2.2.2 says to decode
 * those, so a canonical path never carries them).
 */
const nonCanonical =
  /\/\/|\/\.{1,2}(?:\/|$)|\\|%(?:2f|5c|2d|2e|3[0-9]|[46][1-9a-f]|[57][0-9a]|5f|7e)/i;

export function isCanonicalPath(path: string): boolean {
  return path.startsWith('/') && !nonCanonical.test(path);
}
