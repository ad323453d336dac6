import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { root } from './local-stage';

/** Debian's chromium package; the suite never downloads a browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored). */
export const screenshotDir = path.join(root, 'test-output/browser');

/**
 * Why the browser specs cannot run here, or undefined when they can. In CI a
 * missing browser is a failure (`.ci/run` installs it), so this throws; a
 * developer without it gets a reason naming what to install.
 */
export function browserMissing(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const message = `chromium not found at ${chromiumPath}: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

/** Debian's Chromium, headless; `extraArgs` e.g. `--host-resolver-rules=…`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      ...extraArgs,
    ],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations.
 * The source is evaluated over the DevTools protocol, which the page's CSP
 * (no inline script) does not govern, so the page is checked as served.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    // Runs in the page, where axe-core has just defined the global `axe`.
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
