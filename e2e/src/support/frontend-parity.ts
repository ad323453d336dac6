import { gzipSync } from 'node:zlib';

/**
 * The parity run's request sequence and how answers are compared. Each step
 * may use what the same target answered before (a cursor), so both targets
 * walk the same path through their own data.
 */

export interface Step {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string | ((previous: Answer[]) => string);
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  contentType: string | null;
  location: string | null;
  /** Normalised JSON, or for HTML the parts a reader sees (see pageFacts). */
  body: unknown;
  /** The raw JSON, for later steps that follow a cursor. */
  raw: unknown;
}

const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const entry = (author: unknown, text: unknown) => JSON.stringify({ author, text });
/** A JSON entry whose text holds raw bytes that are not UTF-8. */
const withBytes = (bytes: number[]) =>
  Buffer.concat([Buffer.from('{"author":"Ada","text":"a'), Buffer.from(bytes), Buffer.from('"}')]);
const cursorOf = (answer: Answer | undefined) =>
  (answer?.raw as { nextCursor?: string } | null)?.nextCursor;

export const steps: Step[] = [
  { name: 'stats when empty', method: 'GET', path: '/api/stats' },
  { name: 'list when empty', method: 'GET', path: '/api/entries' },
  {
    name: 'create (trimmed, positive)',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('  Ada ', 'What a wonderful, lovely day!'),
  },
  {
    name: 'create with Idempotency-Key',
    method: 'POST',
    path: '/api/entries',
    headers: { ...json, 'idempotency-key': 'parity-1' },
    body: entry('Bob', 'This is terrible and awful'),
  },
  {
    name: 'repeat the Idempotency-Key',
    method: 'POST',
    path: '/api/entries',
    headers: { ...json, 'idempotency-key': 'parity-1' },
    body: entry('Bob', 'This is terrible and awful'),
  },
  {
    name: 'create (neutral)',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('Cy', 'The meeting is on Tuesday'),
  },
  {
    name: 'form post (no JavaScript)',
    method: 'POST',
    path: '/entries',
    headers: form,
    body: 'author=Dee&text=Posted+from+a+plain+form',
  },
  {
    name: 'form post, invalid',
    method: 'POST',
    path: '/entries',
    headers: form,
    body: 'author=&text=nameless',
  },
  { name: 'first page of 3', method: 'GET', path: '/api/entries?limit=3' },
  {
    name: 'last page via cursor',
    method: 'GET',
    path: (prev) => `/api/entries?limit=3&cursor=${cursorOf(prev.at(-1))}`,
  },
  { name: 'limit=0', method: 'GET', path: '/api/entries?limit=0' },
  { name: 'limit=abc', method: 'GET', path: '/api/entries?limit=abc' },
  { name: 'limit=101', method: 'GET', path: '/api/entries?limit=101' },
  { name: 'forged cursor', method: 'GET', path: '/api/entries?cursor=not-a-cursor' },
  {
    name: 'blank author',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('   ', 'hi'),
  },
  {
    name: 'author too long',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('a'.repeat(41), 'hi'),
  },
  {
    name: 'text too long',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('Ada', 'x'.repeat(281)),
  },
  {
    name: 'control characters',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('Ada', 'tab\there'),
  },
  {
    name: 'author not a string',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry(7, null),
  },
  {
    name: 'array body',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: '["not","an","object"]',
  },
  {
    name: 'not JSON (415)',
    method: 'POST',
    path: '/api/entries',
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
  },
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: '{"author":',
  },
  {
    name: 'body over 16 KiB (413)',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('Ada', 'x'.repeat(17_000)),
  },
  {
    name: 'bad Idempotency-Key',
    method: 'POST',
    path: '/api/entries',
    headers: { ...json, 'idempotency-key': 'has space' },
    body: entry('Ada', 'hi'),
  },
  // Content encodings and charsets (docs/adr/0206): refused alike, before reading.
  {
    name: 'a valid gzip body',
    method: 'POST',
    path: '/api/entries',
    headers: { ...json, 'content-encoding': 'gzip' },
    body: gzipSync(entry('Ada', 'compressed')),
  },
  {
    name: 'a plain body labelled gzip',
    method: 'POST',
    path: '/api/entries',
    headers: { ...json, 'content-encoding': 'gzip' },
    body: entry('Ada', 'not compressed'),
  },
  {
    name: 'a corrupt deflate body to the model',
    method: 'POST',
    path: '/api/sentiment',
    headers: { ...json, 'content-encoding': 'deflate' },
    body: new Uint8Array([0x78, 0x9c, 1, 2, 3]),
  },
  {
    name: 'a compressed form post',
    method: 'POST',
    path: '/entries',
    headers: { ...form, 'content-encoding': 'gzip' },
    body: gzipSync('author=Ada&text=zipped'),
  },
  {
    name: 'charset=utf-16',
    method: 'POST',
    path: '/api/entries',
    headers: { 'content-type': 'application/json; charset=utf-16' },
    body: entry('Ada', 'hi'),
  },
  {
    name: 'charset=latin1',
    method: 'POST',
    path: '/api/entries',
    headers: { 'content-type': 'application/json; charset=latin1' },
    body: entry('Ada', 'hi'),
  },

  // Bytes that are not UTF-8, and text that looks blank or turns direction.
  {
    name: 'an overlong sequence',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: withBytes([0xc0, 0xaf]),
  },
  {
    name: 'an encoded surrogate',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: withBytes([0xed, 0xa0, 0x80]),
  },
  {
    name: 'a truncated sequence',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: withBytes([0xe2, 0x82]),
  },
  {
    name: 'a Latin-1 byte',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: withBytes([0xe9]),
  },
  {
    name: 'an unclosed bidi override',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('admin\u202eexe.txt', 'hi'),
  },
  {
    name: 'an invisible author',
    method: 'POST',
    path: '/api/entries',
    headers: json,
    body: entry('\u200b', 'hi'),
  },
  // Path variants (docs/adr/0207): nowhere on either side.
  {
    name: 'trailing slash',
    method: 'POST',
    path: '/api/entries/',
    headers: json,
    body: entry('Ada', 'x'),
  },
  {
    name: 'upper case',
    method: 'POST',
    path: '/API/Entries',
    headers: json,
    body: entry('Ada', 'x'),
  },
  {
    name: 'form post, trailing slash',
    method: 'POST',
    path: '/entries/',
    headers: form,
    body: 'author=A&text=b',
  },
  { name: 'stats, mixed case', method: 'GET', path: '/api/Stats' },
  {
    name: 'sentiment',
    method: 'POST',
    path: '/api/sentiment',
    headers: json,
    body: JSON.stringify({ text: 'not good at all' }),
  },
  {
    name: 'sentiment, blank text',
    method: 'POST',
    path: '/api/sentiment',
    headers: json,
    body: JSON.stringify({ text: '' }),
  },
  { name: 'the page', method: 'GET', path: '/' },
  { name: 'stats after', method: 'GET', path: '/api/stats' },
  { name: 'unknown route', method: 'GET', path: '/nope' },
  { name: 'unsupported method', method: 'DELETE', path: '/api/entries' },
];

/** What a reader of the page sees, minus the footer (it names the service by design). */
function pageFacts(html: string) {
  const text = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return {
    visits: /<strong id="visits">(\d+)<\/strong>/.exec(html)?.[1],
    formError: /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1],
    entries: [
      ...html.matchAll(
        /<strong class="author"[^>]*>([^<]*)<\/strong> <span class="badge ([a-z]+)"[^>]*>[^<]*<\/span>[\s\S]*?<p class="text"[^>]*>([^<]*)<\/p>/g,
      ),
    ].map(([, author, badge, body]) => `${text(author!)} [${badge}] ${text(body!)}`),
  };
}

/**
 * Ids, times and cursors differ between two stores by nature: each becomes
 * a token numbered in order of first appearance within its target, so values
 * are ignored but relations are kept (a repeated key must return the id the
 * first call returned, on both sides). Pod names never reach these bodies
 * except /api/info, which is compared on its own.
 */
export function normaliser() {
  const seen = new Map<string, string>();
  const token = (kind: string, value: string) => {
    const key = `${kind}:${value}`;
    if (!seen.has(key))
      seen.set(key, `<${kind} ${[...seen.keys()].filter((k) => k.startsWith(kind)).length + 1}>`);
    return seen.get(key)!;
  };
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k === 'id' && typeof v === 'string') return [k, token('id', v)];
        if (k === 'createdAt' && typeof v === 'string')
          return [k, Number.isNaN(Date.parse(v)) ? v : '<time>'];
        if (k === 'nextCursor' && typeof v === 'string') return [k, token('cursor', v)];
        return [k, walk(v)];
      }),
    );
  };
  return walk;
}

export async function send(
  base: string,
  step: Step,
  previous: Answer[],
  normalise: (v: unknown) => unknown,
): Promise<Answer> {
  const path = typeof step.path === 'function' ? step.path(previous) : step.path;
  const res = await fetch(`${base}${path}`, {
    method: step.method,
    redirect: 'manual',
    ...(step.headers ? { headers: step.headers } : {}),
    ...(step.body !== undefined ? { body: step.body } : {}),
  });
  const contentType = res.headers.get('content-type');
  const text = await res.text();
  const raw = contentType?.startsWith('application/json') ? (JSON.parse(text) as unknown) : null;
  return {
    status: res.status,
    contentType,
    location: res.headers.get('location'),
    body:
      raw !== null ? normalise(raw) : contentType?.startsWith('text/html') ? pageFacts(text) : text,
    raw,
  };
}
