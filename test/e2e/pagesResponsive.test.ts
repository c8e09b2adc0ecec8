import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, launchChromium } from '../helpers/browser';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';

type GuardOptions = NonNullable<Parameters<typeof createTestApp>[0]>['guardOptions'];

// What the functions run in the page (page.evaluate) use; declared here, in this module only,
// rather than adding the DOM library to the whole (Node) project.
type DomElement = { tagName: string; textContent: string | null; id: string; parentElement: DomElement | null; getBoundingClientRect(): { left: number; right: number; width: number } };
declare const document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): Iterable<DomElement>; querySelector(selector: string): DomElement | null };
declare const window: { innerWidth: number };
declare function getComputedStyle(element: DomElement): { fontSize: string; borderTopLeftRadius: string; backgroundColor: string };

const WIDTHS = [320, 375, 1280] as const;
const SCREENSHOT_WIDTHS = [375, 1280] as const;
const ARTIFACTS = join(__dirname, '../../test-artifacts');

/** What a page must be at every width: nothing wider than the window, one h1 larger than every h2, headings in order, fields styled. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth) problems.push(`scrollWidth ${root.scrollWidth} > innerWidth ${window.innerWidth}`);
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')] as DomElement[];
    const h1s = headings.filter((h) => h.tagName === 'H1');
    if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements`);
    if (headings[0] && headings[0].tagName !== 'H1') problems.push(`first heading is ${headings[0].tagName}`);
    let previous = 1;
    for (const h of headings) {
      const level = Number(h.tagName[1]);
      if (level > previous + 1) problems.push(`${h.tagName} "${h.textContent}" skips a level`);
      previous = level;
    }
    const size = (el: DomElement) => parseFloat(getComputedStyle(el).fontSize);
    for (const h2 of headings.filter((h) => h.tagName === 'H2')) {
      if (h1s[0] && size(h2) >= size(h1s[0])) problems.push(`h2 "${h2.textContent}" (${size(h2)}px) is not smaller than the h1 (${size(h1s[0])}px)`);
    }
    const card = document.querySelector('.sg-root');
    const cardBox = card?.getBoundingClientRect();
    for (const input of document.querySelectorAll('.sg-root input[type=text], .sg-root input[type=tel], .sg-root input[type=password], .sg-root input:not([type])')) {
      const box = input.getBoundingClientRect();
      if (box.width === 0) continue;
      const style = getComputedStyle(input);
      if (style.borderTopLeftRadius !== '6px' || parseFloat(style.fontSize) < 14) problems.push(`input#${input.id || (input as DomElement & { name?: string }).name} is not styled`);
      if (cardBox && (box.left < cardBox.left - 0.5 || box.right > cardBox.right + 0.5)) problems.push(`input#${input.id} sticks out of the card`);
    }
    return problems;
  });
}

/** The colour (0 dark .. 1 light) of a background; transparent counts as the parent's. */
async function lightness(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    let el: DomElement | null = document.querySelector(sel);
    while (el) {
      const match = /rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)/.exec(getComputedStyle(el).backgroundColor);
      if (match && (match[4] === undefined || Number(match[4]) > 0)) {
        const [r, g, b] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      }
      el = el.parentElement;
    }
    return 1; // the canvas default
  }, selector);
}

/**
 * Checks the page at every width and in dark emulation; on failure (or with
 * STEPGUARD_PAGE_SCREENSHOTS=1) saves it at 375 and 1280 px to test-artifacts/.
 */
async function checkPage(page: Page, name: string, options: { expectDark?: boolean } = {}): Promise<void> {
  const always = process.env.STEPGUARD_PAGE_SCREENSHOTS === '1';
  try {
    // A page reached by a form post may show its elements before its stylesheet applies: judge
    // the page once it has loaded (seen as "input is not styled" on a loaded CI machine).
    await page.waitForLoadState('load');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      expect({ page: name, width, problems: await layoutProblems(page) }).toEqual({ page: name, width, problems: [] });
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    const card = await lightness(page, '.sg-root');
    const canvas = await lightness(page, 'body');
    await page.emulateMedia({ colorScheme: 'light' });
    if (options.expectDark) expect({ page: name, card: card < 0.3 }).toEqual({ page: name, card: true });
    else expect({ page: name, card: card > 0.8, canvas: canvas > 0.8 }).toEqual({ page: name, card: true, canvas: true });
  } catch (err) {
    await screenshots(page, name);
    throw err;
  }
  if (always) await screenshots(page, name);
}

async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const width of SCREENSHOT_WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: join(ARTIFACTS, `page-${name}-${width}.png`), fullPage: true }).catch(() => undefined);
  }
}

describeWithBrowser('stepguard pages in Chromium at 320, 375 and 1280 px', () => {
  let browser: Browser;
  let t: TestApp;
  let server: Server;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  async function start(guardOptions?: GuardOptions) {
    t = await createTestApp(guardOptions ? { guardOptions } : {});
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  async function freshPage(locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ locale });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
  }

  async function signIn(page: Page, username = 'alice', password = 'alice-demo-password') {
    await page.goto(`${base}/login?returnTo=%2Fauth%2F2fa`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa$/);
  }

  it('every page of a step-up and of managing factors fits, in order, and stays light', async () => {
    await start();
    const page = await freshPage();
    await signIn(page);
    await checkPage(page, 'choose');
    await page.getByRole('button', { name: /Text a code to/ }).click();
    await page.waitForURL(/\/auth\/2fa\/sms$/);
    await checkPage(page, 'sms');
    await page.fill('#sg-code', wrongCode(t.sms.lastCode()));
    await page.click('form[action$="/sms/verify"] button');
    await page.waitForSelector('#sg-code-error');
    await checkPage(page, 'sms-error');
    await page.fill('#sg-code', t.sms.lastCode());
    await page.click('form[action$="/sms/verify"] button');
    await page.waitForURL((url) => !url.pathname.startsWith('/auth/2fa'));

    await page.goto(`${base}/auth/2fa/factors`);
    await checkPage(page, 'factors');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.waitForSelector('#sg-totp-secret');
    await page.fill('#sg-totp-confirm', '000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.waitForSelector('#sg-totp-error');
    await checkPage(page, 'factors-totp-retry');
    await page.goto(`${base}/auth/2fa/factors`);
    await page.getByRole('button', { name: /Create backup codes/ }).click();
    await page.waitForSelector('#sg-backup-codes');
    await checkPage(page, 'factors-backup-codes');

    await page.goto(`${base}/auth/2fa/phone`);
    await checkPage(page, 'phone');
    await page.fill('#sg-phone', '+1 415 555 0199');
    await page.click('form[action$="/phone"] button');
    await page.waitForSelector('#sg-code');
    await checkPage(page, 'phone-code');

    const missing = await page.goto(`${base}/auth/2fa/nothing-here`);
    expect(missing?.status()).toBe(404);
    await checkPage(page, 'error');
  });

  it('the pages for a user without a second factor, and "sign in again", fit too (in German, long words)', async () => {
    await start();
    await t.users.create('bob', 'bob-password-long-enough');
    const page = await freshPage('de-DE');
    await signIn(page, 'bob', 'bob-password-long-enough');
    await expect(page.textContent('h1')).resolves.toBe('Bestätigen Sie, dass Sie es sind');
    await checkPage(page, 'choose-set-up-de');
    await page.getByRole('link', { name: 'Telefonnummer hinzufügen' }).click();
    await page.waitForURL(/\/auth\/2fa\/phone$/);
    t.clock.advanceSeconds(301);
    await page.fill('#sg-phone', '+1 415 555 0199');
    await page.click('form[action$="/phone"] button');
    await page.waitForSelector('a.sg-button');
    await checkPage(page, 'sign-in-again-de');
    // The link goes to the login page and back; the number is typed in again.
    await page.click('a.sg-button');
    await page.waitForURL(/\/login\?returnTo=%2Fauth%2F2fa%2Fphone$/);
    await page.fill('#username', 'bob');
    await page.fill('#password', 'bob-password-long-enough');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\/phone$/);
    await expect(page.inputValue('#sg-phone')).resolves.toBe('+1 415 555 0199');
  });

  it('goes dark with the browser only when the host sets pages.darkMode', async () => {
    await start({ pages: { darkMode: true } } as GuardOptions);
    const page = await freshPage();
    await signIn(page);
    await checkPage(page, 'choose-dark-mode', { expectDark: true });
  });
});
