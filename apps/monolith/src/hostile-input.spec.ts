import { gzipSync } from 'node:zlib';
import type { RedisClient } from '@fig/redis';
import { startTestMonolith, type TestMonolith } from './test-support';

/**
 * What a hostile client sends the shared guestbook app (the monolith's and
 * the frontend's): path variants, compressed and mislabelled bodies, invalid
 * UTF-8 and invisible or direction-changing text. Each gets a coded 4xx,
 * never a 5xx and never a silently altered entry.
 */
describe('the guestbook app under hostile input', () => {
  let monolith: TestMonolith | undefined;
  let client: RedisClient;
  let http: TestMonolith['http'];

  /**
   * supertest with the bytes sent as given: without its own serializer,
   * superagent would JSON-encode a Buffer sent with a JSON content type.
   */
  const asIs = (body: unknown) => body as string;
  const raw = async (
    method: 'GET' | 'POST',
    path: string,
    body?: Buffer,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => {
    const res = await (method === 'GET'
      ? http.get(path).set(headers)
      : http.post(path).set(headers).serialize(asIs).send(body));
    return {
      status: res.status,
      code: (res.body as { error?: { code: string } } | undefined)?.error?.code,
    };
  };
  const entry = (author: string, text: string) => Buffer.from(JSON.stringify({ author, text }));

  beforeAll(async () => {
    monolith = await startTestMonolith();
    ({ client, http } = monolith);
  });
  afterAll(() => monolith?.close());

  it.each(['/api/entries/', '/API/entries', '/api/Entries', '/Api/Stats', '/api/stats/'])(
    'routes %s nowhere: paths are strict and case-sensitive',
    async (path) => {
      const write = await raw('POST', path, entry('Ada', 'hi'));
      const read = await raw('GET', path);
      expect([path, write.status, write.code, read.status]).toEqual([path, 404, 'NOT_FOUND', 404]);
    },
  );

  it.each([
    ['a valid gzip body', { 'content-encoding': 'gzip' }, gzipSync(entry('Ada', 'hi'))],
    ['a plain body labelled gzip', { 'content-encoding': 'gzip' }, entry('Ada', 'hi')],
    ['a corrupt deflate body', { 'content-encoding': 'deflate' }, Buffer.from([0x78, 0x9c, 1, 2])],
    ['an unknown coding', { 'content-encoding': 'br, identity' }, entry('Ada', 'hi')],
    ['a UTF-16 charset', { 'content-type': 'application/json; charset=utf-16' }, entry('A', 'b')],
    ['a Latin-1 charset', { 'content-type': 'application/json; charset=latin1' }, entry('A', 'b')],
    ['the utf8 alias', { 'content-type': 'application/json; charset=utf8' }, entry('A', 'b')],
  ])('refuses %s with 415 before reading it', async (_name, headers, body) => {
    for (const path of ['/api/entries', '/api/sentiment']) {
      const answer = await raw('POST', path, body, {
        'content-type': 'application/json',
        ...headers,
      });
      expect([path, answer.status, answer.code]).toEqual([path, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('refuses a compressed form post with 415 too', async () => {
    const answer = await raw('POST', '/entries', gzipSync('author=Ada&text=hi'), {
      'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip',
    });
    expect([answer.status, answer.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('accepts identity coding and an explicit UTF-8 charset', async () => {
    const answer = await raw('POST', '/api/entries', entry('Ada', 'hi'), {
      'content-type': 'application/json; charset=UTF-8',
      'content-encoding': 'identity',
    });
    expect(answer.status).toBe(201);
  });

  const json = (inner: number[]) =>
    Buffer.concat([
      Buffer.from('{"author":"Ada","text":"a'),
      Buffer.from(inner),
      Buffer.from('"}'),
    ]);
  it.each([
    ['a stray continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf]],
    ['an encoded lone surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a Latin-1 byte', [0xe9]],
  ])('refuses %s with INVALID_JSON instead of storing U+FFFD', async (_name, bytes) => {
    const before = await client.hLen('fig:gb:entries');
    const answer = await raw('POST', '/api/entries', json(bytes));
    expect([answer.status, answer.code]).toEqual([400, 'INVALID_JSON']);
    expect(await client.hLen('fig:gb:entries')).toBe(before);
  });

  it.each([
    ['an unclosed right-to-left override', { author: 'admin\u202eexe.txt', text: 'hi' }],
    ['an isolate', { author: 'Ada', text: 'x \u2067y' }],
    ['an escaped lone surrogate', { author: 'Ada', text: 'x \ud800 y' }],
    ['an author of only a zero-width space', { author: '\u200b', text: 'hi' }],
    ['text of only invisible characters', { author: 'Ada', text: '\u200d\u2060\ufeff' }],
  ])('refuses %s with VALIDATION_FAILED', async (_name, body) => {
    const answer = await raw('POST', '/api/entries', Buffer.from(JSON.stringify(body)));
    expect([answer.status, answer.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('isolates user text on the page', async () => {
    await raw('POST', '/api/entries', entry('שלום', 'Right-to-left and back'));
    const html = (await http.get('/')).text;
    expect(html).toContain('<strong class="author" dir="auto">שלום</strong>');
    expect(html).toContain('<p class="text" dir="auto">Right-to-left and back</p>');
    expect(html).toMatch(/\.author,\.text\{unicode-bidi:isolate\}/);
  });
});
