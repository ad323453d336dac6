import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadCatalogue } from '@fig/stages';
import { browserMissing, launchChromium, seriousAxeViolations } from './support/browser-harness';
import { root, startLocalStage, type LocalStage } from './support/local-stage';
import { startCanaryTopology, traffic, type CanaryTopology } from './support/live-view';

// The one documented skip: a developer machine without Debian's chromium (CI throws instead).
const missing = browserMissing();
if (missing) console.warn(`browser specs skipped: ${missing}`);
const describeInBrowser = missing ? describe.skip : describe;

/** The workshop's pictures: taken here, so the docs show what the page really shows. */
const imgDir = path.join(root, 'docs/workshop/img');

async function docsScreenshot(page: Page, name: string) {
  mkdirSync(imgDir, { recursive: true });
  await page.screenshot({ path: path.join(imgDir, name), fullPage: true });
}

/** Waits until the page has drawn `n` more documents from its stream. */
async function updatesAfter(page: Page, n: number) {
  const now = Number(await page.getAttribute('body', 'data-updates'));
  await page.waitForFunction(
    (target) => Number((globalThis as unknown as InPage).document.body.dataset.updates) >= target,
    now + n,
  );
}

// In-page functions are serialised into the page (the CSP forbids evaluating
// text there); this project's types describe Node, so they see the DOM through
// this small view of it.
interface InPage {
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): object | null;
    querySelectorAll(selector: string): ArrayLike<{
      children: ArrayLike<{ textContent: string | null }>;
      querySelector(selector: string): object | null;
    }>;
  };
  getComputedStyle(element: object): { backgroundColor: string };
}

/** Queried and read in one step: the page redraws every second, detaching old nodes. */
const background = (page: Page, selector: string) =>
  page.evaluate((s) => {
    const w = globalThis as unknown as InPage;
    return w.getComputedStyle(w.document.querySelector(s) as object).backgroundColor;
  }, selector);

/**
 * Waits until, for each of `wants`, a row of `#table` whose first cell is it
 * (or that holds a `.want` element) shows a number above 0 in `column`.
 */
const tableShows = (page: Page, table: string, wants: string[], column: number) =>
  page.waitForFunction(
    ([t, ws, c]) =>
      ws.every((want) =>
        Array.from((globalThis as unknown as InPage).document.querySelectorAll(`#${t} tr`)).some(
          (tr) =>
            (tr.children[0]?.textContent === want || tr.querySelector(`.${want}`) !== null) &&
            Number(tr.children[c]?.textContent) > 0,
        ),
      ),
    [table, wants, column] as const,
  );

describeInBrowser('the live view in Chromium, watching a gateway canary', () => {
  let t: CanaryTopology;
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startCanaryTopology(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the route table and both upstreams in their version colours from the stream', async () => {
    const res = await page.goto(t.liveView.base);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.waitForSelector('#upstreams table');
    expect(await page.textContent('#stage')).toBe('stage-1-facade');
    expect(await page.textContent('#routes')).toMatch(/everything-else/);
    // The pages' palette: v1 green, v2 blue.
    expect(await background(page, '#upstreams .chip.v-v1')).toBe('rgb(46, 125, 50)');
    expect(await background(page, '#upstreams .chip.v-v2')).toBe('rgb(21, 101, 192)');
  });

  it('shows a 50/50 split as traffic in two colours, and passes axe', async () => {
    await traffic(`${t.gateway.base}/api/entries`, 60);
    await tableShows(page, 'traffic', ['v-v1', 'v-v2'], 2);
    await updatesAfter(page, 2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await docsScreenshot(page, 'live-view-canary.png');
  });

  it('shows the mirrored route’s mismatches', async () => {
    await traffic(`${t.gateway.base}/api/info`, 20);
    await tableShows(page, 'shadow', ['info'], 2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await docsScreenshot(page, 'live-view-shadow.png');
  });

  it('keeps updating by patches on one stream, with nothing blocked by the CSP', async () => {
    await updatesAfter(page, 3);
    expect(cspErrors).toEqual([]);
  });
});

describeInBrowser('the live view of stage 3 as npm start runs it', () => {
  let stage: LocalStage;
  let browser: Browser;

  beforeAll(async () => {
    [stage, browser] = await Promise.all([startLocalStage('3', undefined), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stage?.stop();
  });

  it('is started and printed with the others, and shows the stage’s routes under traffic', async () => {
    expect(stage.output()).toMatch(/Watch it live at http:\/\/localhost:\d+\//);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(stage.liveViewUrl!);
    await page.waitForSelector('#routes table');
    expect(await page.textContent('#stage')).toBe(loadCatalogue(root).defaultStage.id);
    expect(await page.textContent('#routes')).toMatch(/entries-read/);

    const post = (path: string, body: unknown) =>
      fetch(`${stage.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.arrayBuffer());
    for (let i = 0; i < 10; i++) {
      await post('/api/entries', { author: `learner ${i}`, text: 'watching the rollout live' });
      await post('/api/sentiment', { text: 'what a lovely day' });
    }
    await traffic(`${stage.url}/`, 20);
    await traffic(`${stage.url}/api/entries`, 30);
    await tableShows(page, 'traffic', ['frontend', 'monolith'], 2);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await docsScreenshot(page, 'live-view-local.png');
  });
});
