import { isUtf8 } from 'node:buffer';
import { request } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { errorCatalogue } from '@fig/errors';
import { startRedis, type RedisServer } from '@fig/testing';
import { pathVariants } from './support/path-variants';
import { killAll, startStage3, type Stage3 } from './support/services';

/**
 * Random requests — methods, paths, queries, headers and bodies, well-formed
 * or not — against the monolith, the frontend and the gateway in front of
 * them. Whatever arrives, every answer comes within a few seconds, is never
 * a 5xx, and every API error is the coded JSON body of the catalogue. Also:
 * no spelling of a rate-limited path is served by the gateway (ADR 0207), no
 * compressed body and no body that is not UTF-8 is accepted (ADR 0206), and
 * malformed framing or a stalled body gets one coded answer (ADR 0208).
 */

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** node:http sends the path exactly as given, unlike fetch, which normalises it. */
function send(base: string, sent: Sent): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        method: sent.method,
        path: sent.path,
        // Framed like any real client's (node:http sends a GET body unframed).
        headers: { ...sent.headers, 'content-length': String(sent.body?.length ?? 0) },
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            contentType: String(res.headers['content-type'] ?? ''),
            body,
          }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within 5 s to ${sent.method} ${sent.path}`)),
    );
    req.on('error', reject);
    req.end(sent.body);
  });
}

const routes = ['/', '/api/entries', '/api/stats', '/api/info', '/api/sentiment', '/entries'];
/** The stage 3 preset's rate-limited write routes. */
const guarded = ['/api/entries', '/entries'];
const guardedVariants = new Set(guarded.flatMap(pathVariants));
const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));

const path = fc
  .tuple(
    // Mostly real routes, where the validation lives; some near misses and noise.
    fc.oneof(
      { arbitrary: fc.constantFrom(...routes), weight: 8 },
      fc.constantFrom(...routes).chain((r) => fc.webSegment().map((s) => `${r}/${s}`)),
      fc.webPath().map((p) => p || '/'),
      { arbitrary: fc.constantFrom(...routes.slice(1).flatMap(pathVariants)), weight: 3 },
    ),
    fc.oneof(
      fc.constant(''),
      fc.webQueryParameters().map((q) => `?${q}`),
      fc.constantFrom('limit', 'cursor').chain((k) => fc.webSegment().map((v) => `?${k}=${v}`)),
      fc.integer({ min: -5, max: 500 }).map((n) => `?limit=${n}`),
    ),
  )
  .map(([p, q]) => `${p}${q}`)
  // Server-sent events never end by design; they have their own specs.
  .filter((p) => !p.startsWith('/live'));

// Mostly the right shape with any text (so that writes get through), sometimes
// a field missing or of another type.
const field = (maxLength: number) =>
  fc.oneof({ arbitrary: fc.string({ maxLength }), weight: 6 }, fc.jsonValue());
const entryLike = fc.oneof(
  { arbitrary: fc.record({ author: field(60), text: field(300) }), weight: 3 },
  fc.record({ author: field(80), text: field(400) }, { requiredKeys: [] }),
);

const body = fc.oneof(
  fc.constant(undefined),
  { arbitrary: entryLike.map((v) => Buffer.from(JSON.stringify(v))), weight: 4 },
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  entryLike.map((v) => gzipSync(JSON.stringify(v))),
  // An entry whose text holds bytes that are not UTF-8 (overlong, surrogate, stray, truncated).
  fc
    .tuple(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0x80],
        [0xe2, 0x82],
        [0xf4, 0x90, 0x80, 0x80],
        [0xff],
      ),
    )
    .map(([text, bad]) =>
      Buffer.concat([
        Buffer.from(`{"author":"Ada","text":"${text.replace(/["\\]/g, '')}`),
        Buffer.from(bad),
        Buffer.from('"}'),
      ]),
    ),
  // Text that turns direction or is invisible.
  fc
    .constantFrom('admin\u202eexe.txt', '\u200b', '\u2066x', '\u200d\u2060', 'a\u202ab')
    .map((author) => Buffer.from(JSON.stringify({ author, text: 'hi' }))),
);

const sent: fc.Arbitrary<Sent> = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constantFrom('GET', 'POST'), weight: 4 },
    fc.constantFrom('HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  ),
  path,
  headers: fc
    .record(
      {
        'content-type': fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'application/json; charset=utf-8',
          'application/json; charset=UTF-8',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/json; charset=utf8',
          'application/x-www-form-urlencoded',
          'text/plain',
          'multipart/form-data; boundary=x',
        ),
        'idempotency-key': printable(300),
        'content-encoding': fc.constantFrom(
          'gzip',
          'deflate',
          'br',
          'identity',
          'gzip, identity',
          'x-zip',
        ),
        accept: fc.constantFrom('application/json', 'text/html', '*/*'),
      },
      { requiredKeys: [] },
    )
    .map((h) => h as Record<string, string>),
  body,
});

const codes = new Set(Object.keys(errorCatalogue));

async function holds(base: string, s: Sent, target: string) {
  const answer = await send(base, s);
  const where = `${s.method} ${s.path} → ${answer.status} ${answer.body.slice(0, 200)}`;
  expect([where, answer.status < 500]).toEqual([where, true]);
  const accepted = answer.status === 200 || answer.status === 201 || answer.status === 303;
  if (s.method === 'POST' && s.body?.length) {
    const coding = s.headers['content-encoding'];
    const compressed = coding !== undefined && coding !== 'identity';
    expect([where, 'compressed', accepted && compressed]).toEqual([where, 'compressed', false]);
    expect([where, 'not UTF-8', accepted && !isUtf8(s.body)]).toEqual([where, 'not UTF-8', false]);
  }
  if (target === 'gateway' && guardedVariants.has(s.path.split('?')[0]!)) {
    expect([where, 'variant served', answer.status < 400]).toEqual([
      where,
      'variant served',
      false,
    ]);
  }
  const isApi = s.path.startsWith('/api/');
  if (answer.status >= 400 && isApi && s.method !== 'HEAD') {
    expect([where, answer.contentType]).toEqual([
      where,
      expect.stringContaining('application/json'),
    ]);
    const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
    expect([where, codes.has(error.code), typeof error.message]).toEqual([where, true, 'string']);
  }
}

describe('random requests', () => {
  let redis: RedisServer;
  let system: Stage3 | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    system = await startStage3(redis.url);
  }, 60_000);

  afterAll(async () => {
    await killAll(system?.all ?? []);
    await redis?.dispose();
  });

  for (const target of ['monolith', 'frontend', 'gateway'] as const) {
    it(`get a coded answer from the ${target}, never a 5xx or a hang`, async () => {
      const base = system![target].base;
      await fc.assert(
        fc.asyncProperty(sent, (s) => holds(base, s, target)),
        { numRuns: 1_000 },
      );
    }, 120_000);
  }

  /**
   * Bytes on a raw connection (node:http refuses to send broken framing); resolves with all the server sent.
   * `from` is the loopback address to send from: the gateway counts its rate limit per address.
   */
  function rawExchange(
    base: string,
    bytes: string,
    { dripMs, from }: { dripMs?: number; from?: string } = {},
  ): Promise<string> {
    const { port } = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: from });
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (c: string) => (received += c));
      socket.on('error', () => {});
      const drip = dripMs
        ? setInterval(() => socket.writable && socket.write(' '), dripMs)
        : undefined;
      const guard = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no close within 25 s after ${JSON.stringify(bytes.slice(0, 60))}`));
      }, 25_000);
      socket.on('close', () => {
        clearInterval(drip);
        clearTimeout(guard);
        resolve(received);
      });
      socket.write(bytes);
    });
  }

  const broken: [string, string, number, string][] = [
    ['a malformed request line', 'GARBAGE / NOPE\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    [
      'a malformed chunk size',
      'POST /api/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'two Content-Lengths',
      'POST /api/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'headers over the limit',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
  ];

  for (const target of ['monolith', 'frontend', 'gateway'] as const) {
    it.each(broken)(
      `answers %s to the ${target} with one coded JSON body`,
      async (_name, bytes, status, code) => {
        const answer = await rawExchange(system![target].base, bytes);
        expect(answer.match(/^HTTP\/1\.1 \d{3}/gm)).toEqual([`HTTP/1.1 ${status}`]);
        expect(answer).toMatch(/content-type: application\/json/i);
        expect(answer).toContain(`"code":"${code}"`);
      },
    );
  }

  it('cuts stalled and trickling bodies with one coded 408 on every target', async () => {
    const stalled =
      'POST /api/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{';
    // The random requests above have spent 127.0.0.1's allowance on the gateway's
    // write routes, so a 429 could come before the body is read: these come from
    // another loopback address, a client the gateway has not seen.
    const from = '127.0.0.2';
    const answers = await Promise.all(
      (['monolith', 'frontend', 'gateway'] as const).flatMap((t) => [
        rawExchange(system![t].base, stalled, { from }),
        rawExchange(system![t].base, stalled, { dripMs: 500, from }),
      ]),
    );
    for (const answer of answers) {
      expect(answer.match(/^HTTP\/1\.1 \d{3}/gm)).toEqual(['HTTP/1.1 408']);
      expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    }
  }, 60_000);
});
