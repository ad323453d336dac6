import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '@fig/errors';

/**
 * What every stage accepts as a request body, in one place, so the monolith,
 * the frontend and the gateway's transcoder refuse the same bodies with the
 * same codes (docs/adr/0206-request-bodies-are-plain-utf8.md): no
 * Content-Encoding but identity, no charset but UTF-8, and bytes that are
 * valid UTF-8 (no overlong forms, no encoded surrogates).
 */

function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

/** Throws UNSUPPORTED_MEDIA_TYPE for a compressed body or one in another charset. */
export function checkBodyEncoding(headers: IncomingHttpHeaders): void {
  // An empty header means no coding, as body-parser reads it.
  const coding = (headers['content-encoding'] || 'identity').trim().toLowerCase();
  const charset = charsetOf(headers['content-type'] ?? '');
  if (coding !== 'identity' || (charset !== undefined && charset !== 'utf-8')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The body must be UTF-8 JSON, not compressed');
  }
}

/** Throws INVALID_JSON unless `body` is well-formed UTF-8; never decodes to U+FFFD. */
export function requireUtf8(body: Uint8Array): void {
  if (!isUtf8(body)) throw new AppError('INVALID_JSON', 'The body is not valid UTF-8');
}
