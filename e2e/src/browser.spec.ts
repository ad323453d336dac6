import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { freePort, startBundle } from '@fig/testing';
import {
  browserMissing,
  launchChromium,
  saveScreenshot,
  seriousAxeViolations,
} from './support/browser-harness';
import { startFrontendTopology, type FrontendTopology } from './support/frontend-topology';

// The one documented skip: a developer machine without Debian's chromium.
// In CI (CI=true) browserMissing() throws instead, so the suite fails.
const missing = browserMissing();
if (missing) console.warn(`browser specs skipped: ${missing}`);
const describeInBrowser = missing ? describe.skip : describe;

interface OpenPage {
  page: Page;
  /** Messages of every alert/confirm/prompt the page tried to open. */
  dialogs: string[];
}

describeInBrowser('the frontend in Chromium (stage 3 as real processes)', () => {
  let topology: FrontendTopology;
  let browser: Browser;
  const contexts: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    // Settled rather than all: whichever started must be there for afterAll to stop.
    const [started, launched] = await Promise.allSettled([
      startFrontendTopology(),
      launchChromium(),
    ]);
    if (started.status === 'fulfilled') topology = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    for (const result of [started, launched]) if (result.status === 'rejected') throw result.reason;
    // startFrontendTopology waits up to 20 s for each of its two start-up waves;
    // a fresh CI run once needed more than 30 s here.
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await topology?.stop();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  async function open(base = topology.frontend.base, javaScriptEnabled = true): Promise<OpenPage> {
    const context = await browser.newContext({ javaScriptEnabled });
    contexts.push(context);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(base);
    if (javaScriptEnabled) await liveOn(page);
    return { page, dialogs };
  }

  /** The script says so once its event stream is open. */
  const liveOn = (page: Page) =>
    page.locator('#live-status', { hasText: 'Live updates on.' }).waitFor({ timeout: 5_000 });

  const entry = (page: Page, text: string) => page.locator('#entries .entry', { hasText: text });

  const postByApi = (text: string) =>
    fetch(`${topology.frontend.base}/api/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'Elsewhere', text }),
    });

  it('posts an entry from the form by keyboard alone and shows it with a sentiment badge', async () => {
    const { page } = await open();
    const text = `What a lovely, wonderful guestbook ${randomUUID().slice(0, 8)}`;
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('author');
    await page.keyboard.type('Keyboard user');
    await page.keyboard.press('Tab');
    await page.keyboard.type(text);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    const posted = entry(page, text);
    await posted.waitFor({ timeout: 5_000 });
    expect(await posted.locator('.badge').getAttribute('class')).toBe('badge positive');
    expect(await posted.locator('.author').textContent()).toBe('Keyboard user');
    // Enhanced by the script: no navigation, the message box is emptied for the next one.
    expect(await page.inputValue('#text')).toBe('');
  });

  it('shows an entry posted elsewhere on an open page within a second, without reloading', async () => {
    const { page } = await open();
    await page.evaluate('window.__notReloaded = true');
    const text = `posted elsewhere ${randomUUID()}`;
    const started = Date.now();
    expect((await postByApi(text)).status).toBe(201);
    await entry(page, text).waitFor({ timeout: 1_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
  });

  it('shows it on a second page open at the same time as the one that posted', async () => {
    const [first, second] = [await open(), await open()];
    const text = `seen by both ${randomUUID()}`;
    await first.page.fill('#author', 'First');
    await first.page.fill('#text', text);
    await first.page.click('button[type=submit]');
    await entry(second.page, text).waitFor({ timeout: 1_000 });
    await entry(first.page, text).waitFor({ timeout: 1_000 });
    expect(await first.page.locator(`#entries .entry:has-text("${text}")`).count()).toBe(1);
  });

  it('reconnects after a frontend restart and keeps showing new entries', async () => {
    const { page } = await open();
    await page.evaluate('window.__notReloaded = true');
    await topology.frontend.restart();
    await liveOn(page);
    const text = `after the restart ${randomUUID()}`;
    expect((await postByApi(text)).status).toBe(201);
    await entry(page, text).waitFor({ timeout: 2_000 });
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
  });

  it('renders <img src=x onerror=alert(1)> as text, live and server-rendered, and opens no dialog', async () => {
    const { page, dialogs } = await open();
    const text = `<img src=x onerror=alert(1)> ${randomUUID().slice(0, 8)}`;
    expect((await postByApi(text)).status).toBe(201);
    for (const view of ['live', 'after reload']) {
      if (view === 'after reload') await page.reload();
      const shown = entry(page, text).locator('.text');
      await shown.waitFor({ timeout: 2_000 });
      expect([view, await shown.textContent()]).toEqual([view, text]);
      expect([view, await page.locator('#entries img').count()]).toEqual([view, 0]);
    }
    expect(dialogs).toEqual([]);
  });

  it('isolates the direction of user text, live and server-rendered (right-to-left text cannot reorder its line)', async () => {
    const { page } = await open();
    const text = `שלום ${randomUUID().slice(0, 8)}`;
    expect((await postByApi(text)).status).toBe(201);
    for (const view of ['live', 'after reload']) {
      if (view === 'after reload') await page.reload();
      const shown = entry(page, text);
      await shown.waitFor({ timeout: 2_000 });
      const dirs = await Promise.all(
        ['.author', '.text'].map((part) => shown.locator(part).getAttribute('dir')),
      );
      expect([view, dirs]).toEqual([view, ['auto', 'auto']]);
    }
  });

  it('colours the page by version: v1 green, v2 blue, and names the version in the footer', async () => {
    const headerColour = (page: Page) =>
      page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor");
    const v1 = await open();
    expect(await headerColour(v1.page)).toBe('rgb(46, 125, 50)');

    const v2Frontend = await topology.addFrontend({ APP_VERSION: 'v2', POD_NAME: 'frontend-v2' });
    const v2 = await open(v2Frontend.base);
    expect(await headerColour(v2.page)).toBe('rgb(21, 101, 192)');
    expect(await v2.page.textContent('#served-by')).toBe('[frontend-v2] frontend v2');
  });

  it('shows which model version scored each entry as visible text beside its badge, live and server-rendered', async () => {
    // A second monolith scoring with v1, and a frontend using it: entries scored by both versions.
    const v1Monolith = await startBundle('monolith', {
      env: { REDIS_URL: topology.redis[0]!.url, MODEL_VERSION: 'v1' },
    });
    try {
      const v1Frontend = await topology.addFrontend({
        MONOLITH_URL: v1Monolith.base,
        POD_NAME: 'frontend-model-v1',
      });
      const { page } = await open();
      const tag = randomUUID().slice(0, 8);
      const scoredBy = { v1: `scored by v1, lovely ${tag}`, v2: `scored by v2, lovely ${tag}` };
      const postTo = (base: string, text: string) =>
        fetch(`${base}/api/entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ author: 'Canary', text }),
        });
      expect((await postTo(v1Frontend.base, scoredBy.v1)).status).toBe(201);
      expect((await postTo(topology.frontend.base, scoredBy.v2)).status).toBe(201);
      for (const view of ['live', 'after reload']) {
        if (view === 'after reload') await page.reload();
        for (const [version, text] of Object.entries(scoredBy)) {
          const chip = entry(page, text).locator('.model');
          await chip.waitFor({ state: 'visible', timeout: 5_000 });
          expect([view, await chip.textContent()]).toEqual([view, `model ${version}`]);
          // At a glance: rendered text in the entry's line, not only a title attribute.
          expect([view, await entry(page, text).locator('.meta').innerText()]).toEqual([
            view,
            expect.stringContaining(`positive model ${version}`),
          ]);
        }
      }
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await v1Monolith.kill();
    }
  });

  it('still saves a post when the model is down, and shows it as not yet scored', async () => {
    const noModel = await topology.addFrontend({
      MONOLITH_URL: `http://127.0.0.1:${await freePort()}`,
      POD_NAME: 'frontend-no-model',
    });
    const { page } = await open(noModel.base);
    const text = `saved without a model ${randomUUID().slice(0, 8)}`;
    await page.fill('#author', 'Patient');
    await page.fill('#text', text);
    await page.click('button[type=submit]');
    const badge = entry(page, text).locator('.badge');
    await badge.waitFor({ timeout: 5_000 });
    expect(await badge.textContent()).toBe('not yet scored');
  });

  it('posts without JavaScript: the form works on its own (progressive enhancement)', async () => {
    const { page } = await open(topology.frontend.base, false);
    const text = `A happy post, sent with scripts off ${randomUUID().slice(0, 8)}`;
    await page.fill('#author', 'No JS');
    await page.fill('#text', text);
    await page.click('button[type=submit]');
    // The entry is on the page the 303 redirect loads; the locator waits across the navigation.
    await entry(page, text).waitFor({ timeout: 5_000 });
    expect(page.url()).toBe(`${topology.frontend.base}/`);
    expect(await entry(page, text).locator('.badge').getAttribute('class')).toBe('badge positive');
    expect(await page.locator('#live-status').count()).toBe(0);
  });

  it('has no serious or critical accessibility violations (axe-core), and saves a screenshot', async () => {
    expect((await postByApi('A cheerful, accessible note')).status).toBe(201);
    const { page } = await open();
    expect(await seriousAxeViolations(page)).toEqual([]);
    const file = await saveScreenshot(page, 'frontend-page');
    expect(statSync(file).size).toBeGreaterThan(10_000);
  });
});
