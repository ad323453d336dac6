import { randomUUID } from 'node:crypto';
import { startRedis, waitFor, type RedisServer } from '@fig/testing';
import { killAll, startStage4, type Stage4 } from './support/services';

interface Entry {
  text: string;
  sentiment: { label: string; score: number; model: string } | null;
}

const postJson = (base: string, text: string) =>
  fetch(`${base}/api/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ author: 'Stage 4', text }),
  });

const postForm = (base: string, text: string) =>
  fetch(`${base}/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ author: 'Form', text }).toString(),
    redirect: 'manual',
  });

const scoreText = (base: string, text: string) =>
  fetch(`${base}/api/sentiment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });

/** The page's line for the entry holding `text`: author, badge, model version, time. */
async function pageLineOf(base: string, text: string): Promise<string | undefined> {
  const html = await (await fetch(`${base}/`)).text();
  return html.split('<li class="entry"').find((item) => item.includes(text));
}

/**
 * Stage 4 as processes (no monolith): the Python model-svc scores everything,
 * over gRPC, for the gateway's transcoded routes and for the frontend.
 */
describe('stage 4: model-svc scores, no monolith runs', () => {
  let redis: RedisServer;
  let system: Stage4;

  beforeAll(async () => {
    redis = await startRedis();
    system = await startStage4(redis.url, { modelVersion: 'v2' });
  }, 120_000);
  afterAll(async () => {
    await killAll(system?.all ?? []);
    await redis?.dispose();
  });

  it('scores /api/sentiment, JSON writes (gateway → store-svc) and form posts (frontend) with model-svc', async () => {
    const base = system.gateway.base;
    const scored = await scoreText(base, 'What a lovely, happy day');
    expect(scored.status).toBe(200);
    expect(scored.headers.get('x-fig-served-by')).toBe('model-svc/transcode');
    expect(await scored.json()).toMatchObject({ label: 'positive', model: 'v2' });

    const tag = randomUUID().slice(0, 8);
    const written = await postJson(base, `a wonderful JSON post ${tag}`);
    expect(written.status).toBe(201);
    expect(((await written.json()) as Entry).sentiment).toMatchObject({
      label: 'positive',
      model: 'v2',
    });
    expect((await postForm(base, `a wonderful form post ${tag}`)).status).toBe(303);
    for (const text of [`a wonderful JSON post ${tag}`, `a wonderful form post ${tag}`])
      expect(await pageLineOf(base, text)).toMatch(/class="badge positive"[^]*model v2/);
  });

  it('with model-svc down still saves every entry, unscored and shown so; /api/sentiment says 503; scoring resumes once it is back', async () => {
    const base = system.gateway.base;
    const tag = randomUUID().slice(0, 8);
    expect(await system.model.stop()).toBe(0);
    try {
      const written = await postJson(base, `saved while the model is away ${tag}`);
      expect(written.status).toBe(201);
      expect(((await written.json()) as Entry).sentiment).toBeNull();
      expect((await postForm(base, `form post while the model is away ${tag}`)).status).toBe(303);
      for (const text of [
        `saved while the model is away ${tag}`,
        `form post while the model is away ${tag}`,
      ])
        expect(await pageLineOf(base, text)).toContain('not yet scored');
      const refused = await scoreText(base, 'anyone there?');
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    } finally {
      await system.model.restart();
    }
    // The gateway's circuit opens for 5 s, the frontend's too: bounded, not immediate.
    await waitFor(async () => (await scoreText(base, 'back again')).status === 200, {
      what: 'the gateway to score with model-svc again',
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    await waitFor(
      async () => {
        const text = `a happy post after the return ${tag} ${Date.now()}`;
        await postForm(base, text);
        return /class="badge positive"/.test((await pageLineOf(base, text)) ?? '');
      },
      { what: 'the frontend to score with model-svc again', timeoutMs: 15_000, intervalMs: 500 },
    );
  });
});
