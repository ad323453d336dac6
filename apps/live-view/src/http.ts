import type { z } from 'zod';
import type { FetchJson, FetchText } from './gateway-source';

/**
 * Why a source could not be read: not answering (`SOURCE_UNAVAILABLE`), or
 * answering with something the page cannot show (`SOURCE_INVALID`). The page
 * lists these in its problems line instead of going blank.
 */
export class SourceError extends Error {
  constructor(
    readonly code: 'SOURCE_UNAVAILABLE' | 'SOURCE_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/**
 * GETs with a deadline: a source that hangs must not hold up the snapshot
 * every browser is waiting for, so each read gives up after `timeoutMs`.
 */
export function httpGetters(timeoutMs: number): { fetchJson: FetchJson; fetchText: FetchText } {
  const get = async (url: string) => {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new SourceError('SOURCE_UNAVAILABLE', `${url}: ${why}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new SourceError('SOURCE_UNAVAILABLE', `${url}: HTTP ${res.status}`);
    }
    return res;
  };
  return {
    fetchJson: async (url) => {
      const res = await get(url);
      try {
        return await res.json();
      } catch {
        throw new SourceError('SOURCE_INVALID', `${url}: not JSON`);
      }
    },
    fetchText: async (url) => (await get(url)).text(),
  };
}

/** Checks an answer against what the page needs; a mismatch names the first problem and where. */
export function parse<S extends z.ZodType>(schema: S, body: unknown, url: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new SourceError(
    'SOURCE_INVALID',
    `${url}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
  );
}
