import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { startRedis, type RedisServer } from '@fig/testing';
import { browserMissing, launchChromium } from './support/browser-harness';
import { killAll, startStage3, type Stage3 } from './support/services';

// The same documented skip as browser.spec.ts: only where Chromium is absent
// outside CI (npm test's prerequisites check refuses to start without it).
const missing = browserMissing();
if (missing) console.warn(`browser specs skipped: ${missing}`);
const describeInBrowser = missing ? describe.skip : describe;

// A name that is not localhost, resolved by Chromium itself to loopback: for
// the browser this is any plain-HTTP host (minikube ip, a NodePort, a LAN
// address), where it applies the page's CSP in full.
const host = 'fig-guestbook.test';

describeInBrowser(`the page opened as http://${host} (not localhost), through the gateway`, () => {
  let redis: RedisServer;
  let system: Stage3;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis();
    const [started, launched] = await Promise.allSettled([
      startStage3(redis.url),
      launchChromium([`--host-resolver-rules=MAP ${host} 127.0.0.1`]),
    ]);
    if (started.status === 'fulfilled') system = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    for (const result of [started, launched]) if (result.status === 'rejected') throw result.reason;
    base = `http://${host}:${system.gateway.port}/`;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (system) await killAll(system.all);
    await redis?.dispose();
  });

  /** A page on the plain-HTTP address, with every request it makes recorded. */
  async function open(): Promise<{ page: Page; requested: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(base);
    await page.locator('#live-status', { hasText: 'Live updates on.' }).waitFor({ timeout: 5_000 });
    return { page, requested };
  }

  it('loads its live script, posts the form and shows the entry live on another open page, all over plain HTTP', async () => {
    const [writer, reader] = [await open(), await open()];
    const text = `posted from a plain-HTTP host ${randomUUID().slice(0, 8)}`;
    await writer.page.fill('#author', 'Trainer');
    await writer.page.fill('#text', text);
    await writer.page.click('button[type=submit]');

    const seen = reader.page.locator('#entries .entry', { hasText: text });
    await seen.waitFor({ timeout: 5_000 });
    await writer.page.locator('#entries .entry', { hasText: text }).waitFor({ timeout: 5_000 });
    expect(await seen.locator('.author').textContent()).toBe('Trainer');
    // Nothing was sent to https:// (the failure an unconditional upgrade-insecure-requests causes).
    for (const { requested } of [writer, reader])
      expect(requested.filter((url) => !url.startsWith(`http://${host}:`))).toEqual([]);
    await writer.page.context().close();
    await reader.page.context().close();
  });
});
