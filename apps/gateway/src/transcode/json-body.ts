import type { IncomingMessage } from 'node:http';
import { AppError } from '@fig/errors';

/** The monolith's limit (express.json({ limit: '16kb' })). */
const limitBytes = 16 * 1024;

function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

/**
 * Reads a JSON request body with the rules and error codes of the monolith's
 * Express stack (requireJson + express.json, strict mode), so that a
 * transcoded route refuses exactly what the monolith refuses, the same way.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  if (!hasBody || contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  const charset = charsetOf(contentType);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if ((charset && charset !== 'utf-8' && charset !== 'utf8') || encoding !== 'identity') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The body must be UTF-8 JSON');
  }
  if (Number(req.headers['content-length']) > limitBytes) {
    req.resume();
    throw new AppError('PAYLOAD_TOO_LARGE');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new AppError('PAYLOAD_TOO_LARGE');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return {};
  // Strict mode: only an object or an array at the top level.
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') throw new AppError('INVALID_JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON');
  }
}
