import { request } from 'node:http';
import fc from 'fast-check';
import { errorCatalogue } from '@fig/errors';
import { startRedis, type RedisServer } from '@fig/testing';
import { killAll, startStage3, type Stage3 } from './support/services';

/**
 * Random requests — methods, paths, queries, headers and bodies, well-formed
 * or not — against the monolith, the frontend and the gateway in front of
 * them. Whatever arrives, every answer comes within a few seconds, is never
 * a 5xx, and every API error is the coded JSON body of the catalogue.
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
const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));

const path = fc
  .tuple(
    // Mostly real routes, where the validation lives; some near misses and noise.
    fc.oneof(
      { arbitrary: fc.constantFrom(...routes), weight: 8 },
      fc.constantFrom(...routes).chain((r) => fc.webSegment().map((s) => `${r}/${s}`)),
      fc.webPath().map((p) => p || '/'),
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
          'application/x-www-form-urlencoded',
          'text/plain',
          'multipart/form-data; boundary=x',
        ),
        'idempotency-key': printable(300),
        accept: fc.constantFrom('application/json', 'text/html', '*/*'),
      },
      { requiredKeys: [] },
    )
    .map((h) => h as Record<string, string>),
  body,
});

const codes = new Set(Object.keys(errorCatalogue));

async function holds(base: string, s: Sent) {
  const answer = await send(base, s);
  const where = `${s.method} ${s.path} → ${answer.status} ${answer.body.slice(0, 200)}`;
  expect([where, answer.status < 500]).toEqual([where, true]);
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
        fc.asyncProperty(sent, (s) => holds(base, s)),
        { numRuns: 1_000 },
      );
    }, 120_000);
  }
});
