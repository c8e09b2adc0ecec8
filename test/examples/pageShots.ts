import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const NARROW_PX = 375;
export const WIDE_PX = 1280;
const HEIGHT_PX = 800;

export type PageShots = {
  /** Screenshots the page as it is now at 375 px and at 1280 px wide; notes it when the page is wider than 375 px. */
  take(page: Page, step: string): Promise<void>;
  /** Steps whose page did not fit the 375 px window (cut off on a phone), with their width. */
  readonly overflows: string[];
  /** After a failure: keeps every screenshot, and one of the failing moment, in test-artifacts/examples/<name>/. */
  keep(page: Page): Promise<string>;
  /** After a pass: drops them, and the artifacts of an earlier failed run (STEPGUARD_KEEP_SCREENSHOTS=1 keeps them). */
  discard(): Promise<void>;
};

/**
 * Screenshots of each page of a browser flow at a phone's and a desktop's width, taken as the
 * flow goes (so a failure shows every page before it) and kept as test artifacts only on failure.
 */
export function pageShots(name: string): PageShots {
  const dir = mkdtempSync(join(tmpdir(), `stepguard-shots-${name}-`));
  let count = 0;
  const overflows: string[] = [];
  const target = join(__dirname, '../../test-artifacts/examples', name);
  const copyOut = () => {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    cpSync(dir, target, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    return target;
  };
  return {
    overflows,
    async take(page, step) {
      count += 1;
      const base = `${String(count).padStart(2, '0')}-${step.replace(/\W+/g, '-')}`;
      try {
        await page.setViewportSize({ width: NARROW_PX, height: HEIGHT_PX });
        const width = await page.evaluate('document.documentElement.scrollWidth');
        if (typeof width === 'number' && width > NARROW_PX) overflows.push(`${step}: ${width} px`);
        await page.screenshot({ path: join(dir, `${base}-${NARROW_PX}.png`), fullPage: true });
      } finally {
        await page.setViewportSize({ width: WIDE_PX, height: HEIGHT_PX });
      }
      await page.screenshot({ path: join(dir, `${base}-${WIDE_PX}.png`), fullPage: true });
    },
    async keep(page) {
      await page.screenshot({ path: join(dir, 'failure.png'), fullPage: true }).catch(() => undefined);
      return copyOut();
    },
    async discard() {
      if (process.env.STEPGUARD_KEEP_SCREENSHOTS === '1') return void copyOut();
      rmSync(dir, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
    },
  };
}
