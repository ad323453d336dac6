import type { IncomingMessage } from 'node:http';
import { AppError } from '@fig/errors';
import { checkBodyEncoding, requireUtf8 } from '@fig/guestbook';

/** The monolith's limit (express.json({ limit: '16kb' })). */
const limitBytes = 16 * 1024;

async function readLimited(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new AppError('PAYLOAD_TOO_LARGE');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a JSON request body with the rules and error codes of the monolith's
 * Express stack (requireJson + express.json, strict mode), so that a
 * transcoded route refuses exactly what the monolith refuses, the same way.
 */
export async function readJsonBody(req: IncomingMessage, read?: Buffer): Promise<unknown> {
  const contentType = req.headers['content-type'] ?? '';
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  if (!hasBody || contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  checkBodyEncoding(req.headers);
  if (Number(req.headers['content-length']) > limitBytes) {
    req.resume();
    throw new AppError('PAYLOAD_TOO_LARGE');
  }
  // A mirrored side-effect-free request's body was read already (possibly only its first part).
  const bytes = read ?? (await readLimited(req));
  if (bytes.length > limitBytes) {
    req.resume();
    throw new AppError('PAYLOAD_TOO_LARGE');
  }
  requireUtf8(bytes);
  const text = bytes.toString('utf8');
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
