import type { RedisClient } from '@fig/redis';
import { startTestMonolith, type TestMonolith } from './test-support';

describe('monolith HTTP API (real Redis, real sockets, supertest)', () => {
  let monolith: TestMonolith | undefined;
  let client: RedisClient;
  let http: TestMonolith['http'];

  /** A JSON POST; a string body is sent as written (malformed JSON included). */
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    http
      .post(path)
      .set({ 'content-type': 'application/json', ...headers })
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  beforeAll(async () => {
    monolith = await startTestMonolith();
    ({ client, http } = monolith);
  });
  afterAll(() => monolith?.close());
  beforeEach(() => client.flushAll());

  it('creates an entry with its sentiment and returns 201', async () => {
    const res = await post('/api/entries', {
      author: ' Ada ',
      text: 'What a wonderful, lovely day!',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      author: 'Ada',
      text: 'What a wonderful, lovely day!',
      sentiment: { label: 'positive', score: expect.any(Number), model: 'v2' },
      createdAt: expect.any(String),
    });
  });

  it('lists entries newest first across pages with an opaque cursor', async () => {
    for (let i = 1; i <= 5; i++) await post('/api/entries', { author: 'A', text: `entry ${i}` });
    type Page = { entries: { text: string }[]; nextCursor: string | null };
    const page = async (query: Record<string, string | number>) =>
      (await http.get('/api/entries').query(query).expect(200)).body as Page;
    const first = await page({ limit: 2 });
    expect(first.entries.map((e) => e.text)).toEqual(['entry 5', 'entry 4']);
    const second = await page({ limit: 2, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.text)).toEqual(['entry 3', 'entry 2']);
    const last = await page({ limit: 2, cursor: second.nextCursor! });
    expect(last).toMatchObject({ entries: [{ text: 'entry 1' }], nextCursor: null });
  });

  it('counts visits, entries and sentiment in /api/stats', async () => {
    await post('/api/entries', { author: 'A', text: 'I love it, great work' });
    await post('/api/entries', { author: 'B', text: 'This is terrible and awful' });
    await http.get('/').expect(200);
    expect((await http.get('/api/stats')).body).toEqual({
      visits: 1,
      entries: 2,
      sentiment: { positive: 1, neutral: 0, negative: 1 },
    });
  });

  it('scores text at /api/sentiment with the configured model', async () => {
    const res = await post('/api/sentiment', { text: 'not good at all' });
    expect(res.status).toBe(200);
    const body = res.body as { label: string; score: number; model: string };
    expect(body).toMatchObject({ label: 'negative', model: 'v2' });
    expect(body.score).toBeGreaterThanOrEqual(-1);
  });

  it('names itself at /api/info', async () => {
    expect((await http.get('/api/info')).body).toEqual({
      service: 'monolith',
      version: 'v2',
      pod: 'pod-7',
      model: 'v2',
    });
  });

  it.each([
    [{ author: '', text: 'hi' }, 'author', 'REQUIRED'],
    [{ author: 'a'.repeat(41), text: 'hi' }, 'author', 'TOO_LONG'],
    [{ author: 'Ada', text: 'x'.repeat(281) }, 'text', 'TOO_LONG'],
    [{ author: 'Ada', text: 'tab\there' }, 'text', 'CONTROL_CHARACTERS'],
    [{ author: 7, text: 'hi' }, 'author', 'NOT_A_STRING'],
    [['not', 'an', 'object'], '(body)', 'NOT_AN_OBJECT'],
  ])('rejects %j with 400 VALIDATION_FAILED naming %s (%s)', async (body, field, code) => {
    const res = await post('/api/entries', body);
    expect(res.status).toBe(400);
    const { error } = res.body as {
      error: { code: string; fields: { field: string; code: string }[] };
    };
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.fields).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('rejects malformed JSON with 400 INVALID_JSON', async () => {
    const res = await post('/api/entries', '{"author": "Ada",');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });

  it('rejects a body over 16 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post('/api/entries', { author: 'Ada', text: 'x'.repeat(17 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects a non-JSON body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await http
      .post('/api/entries')
      .set('content-type', 'text/plain')
      .send('author=Ada');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects a bad limit and a forged cursor with coded 400s', async () => {
    const limit = await http.get('/api/entries?limit=500');
    expect(limit.status).toBe(400);
    expect(limit.body.error.code).toBe('VALIDATION_FAILED');
    const cursor = await http.get('/api/entries?cursor=forged');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe('INVALID_CURSOR');
  });

  it('answers unknown routes with a coded 404', async () => {
    const res = await http.get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('creates exactly one entry for 50 concurrent POSTs with one Idempotency-Key', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(
          '/api/entries',
          { author: 'Ada', text: `attempt ${i}` },
          { 'idempotency-key': 'same-key' },
        ),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const ids = new Set(responses.map((r) => (r.body as { id: string }).id));
    expect(ids.size).toBe(1);
    expect((await http.get('/api/stats')).body.entries).toBe(1);
  });

  it('renders the page with entries escaped, the counter and the footer', async () => {
    await post('/api/entries', { author: '<b>Mallory</b>', text: '<script>alert("x")</script>' });
    const res = await http.get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const html = res.text;
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;Mallory&lt;/b&gt;');
    expect(html).toMatch(/<footer[^>]*>\[pod-7\] monolith v2<\/footer>/);
    expect(html).toContain('--version:#1565c0');
    expect(html).toMatch(/visited <strong id="visits">1<\/strong>/);
  });

  it('accepts a form post without JavaScript and redirects back to the page', async () => {
    // supertest does not follow redirects: the 303 itself is what is checked.
    const res = await http
      .post('/entries')
      .type('form')
      .send({ author: 'Form', text: 'posted without js' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const html = (await http.get('/')).text;
    expect(html).toContain('posted without js');
  });

  it('re-renders the page with the reason when a form post is invalid', async () => {
    const res = await http.post('/entries').type('form').send({ author: '', text: 'no name' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/role="alert">author must not be blank/);
  });
});
