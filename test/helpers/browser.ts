import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** `describe` when Debian's Chromium is installed; otherwise a loud skip (a failure in CI). */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (CHROMIUM) return describe(name, fn);
  const message = 'chromium was not found: the browser suite is SKIPPED (apt-get install chromium).';
  if (process.env.STEPGUARD_REQUIRE_BROWSER === '1') throw new Error(`STEPGUARD_REQUIRE_BROWSER=1 but ${message}`);
  console.warn(`!!!!!!!! ${message} !!!!!!!!`);
  describe.skip(name, fn);
}

/** Debian's Chromium, headless, with the flags this closed network needs; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM as string,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Runs a browser step; on failure saves a screenshot to test-artifacts/ and rethrows. */
export async function withScreenshot<T>(page: Page, name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const dir = join(__dirname, '../../test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => undefined);
    throw err;
  }
}
