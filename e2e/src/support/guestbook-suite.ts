import { randomUUID } from 'node:crypto';

interface Entry {
  id: string;
  author: string;
  text: string;
  sentiment: { label: string; score: number; model: string } | null;
  createdAt: string;
}

/**
 * The end-to-end specification of the product, written against a base URL
 * only, so the same checks run against `npm start` locally and against a
 * kind cluster (E2E_BASE_URL). Whatever the stage, a client sees one product.
 */
export function guestbookSuite(baseUrl: () => string, expected: { pageService?: string } = {}) {
  const url = (path: string) => `${baseUrl()}${path}`;
  const postEntry = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url('/api/entries'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('serves the page with a visit counter, a form and a footer naming who rendered it', async () => {
    const res = await fetch(url('/'));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/visited <strong id="visits">\d+<\/strong>/);
    expect(html).toMatch(/<form method="post" action="\/entries"/);
    expect(html).toMatch(/<footer id="served-by">\[[^\]]+\] (monolith|frontend) v\d/);
  });

  if (expected.pageService) {
    it(`is served by ${expected.pageService} at this stage`, async () => {
      const info = (await (await fetch(url('/api/info'))).json()) as { service: string };
      expect(info.service).toBe(expected.pageService);
      const html = await (await fetch(url('/'))).text();
      expect(html).toMatch(
        new RegExp(`<footer id="served-by">\\[[^\\]]+\\] ${expected.pageService} v`),
      );
    });
  }

  it('posts an entry, scores it and lists it first', async () => {
    const text = `lovely to be here ${randomUUID()}`;
    const created = await postEntry({ author: 'E2E', text });
    expect(created.status).toBe(201);
    const entry = (await created.json()) as Entry;
    expect(entry).toMatchObject({ author: 'E2E', text, sentiment: { label: 'positive' } });
    const page = (await (await fetch(url('/api/entries?limit=5'))).json()) as { entries: Entry[] };
    expect(page.entries[0]).toEqual(entry);
  });

  it('returns the first entry for a repeated Idempotency-Key and creates nothing', async () => {
    const key = randomUUID();
    const before = (await (await fetch(url('/api/stats'))).json()) as { entries: number };
    const first = await postEntry({ author: 'E2E', text: 'once only' }, { 'idempotency-key': key });
    const again = await postEntry({ author: 'E2E', text: 'once only' }, { 'idempotency-key': key });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(((await again.json()) as Entry).id).toBe(((await first.json()) as Entry).id);
    const after = (await (await fetch(url('/api/stats'))).json()) as { entries: number };
    expect(after.entries).toBe(before.entries + 1);
  });

  it('reports stats with visits, entries and sentiment counts', async () => {
    const stats = await (await fetch(url('/api/stats'))).json();
    expect(stats).toEqual({
      visits: expect.any(Number),
      entries: expect.any(Number),
      sentiment: {
        positive: expect.any(Number),
        neutral: expect.any(Number),
        negative: expect.any(Number),
      },
    });
  });

  it('scores text at /api/sentiment', async () => {
    const res = await fetch(url('/api/sentiment'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'this is awful' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      label: 'negative',
      model: expect.stringMatching(/^v[12]$/),
    });
  });

  it('answers bad input with a stable code', async () => {
    const res = await postEntry({ author: '', text: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', fields: [{ field: 'author', code: 'REQUIRED' }] },
    });
  });
}
