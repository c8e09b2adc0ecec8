import type { Browser, Page } from 'playwright-core';
import { describeWithBrowser, launchChromium } from '../helpers/browser';
import { buildExample, installExample, removeExample, startExample, type RunningExample } from './exampleProcess';
import { pageShots, WIDE_PX } from './pageShots';

/**
 * examples/spa-esm-express5, installed from its own package.json, compiled with its own
 * tsconfig (strict, nodenext) and started as `npm start` would, driven in Chromium: its static
 * page walks the fetch() flow against the JSON API and stepguard's JSON routes.
 */
describeWithBrowser('examples/spa-esm-express5 in Chromium', () => {
  let dir = '';
  let example: RunningExample;
  let browser: Browser;

  beforeAll(async () => {
    dir = installExample('spa-esm-express5');
    await buildExample(dir);
    example = await startExample(dir);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await example?.stop();
    if (dir) removeExample(dir);
  });

  const visible = (page: Page, selector: string, hasText?: string) => page.locator(selector, hasText ? { hasText } : {}).waitFor({ state: 'visible' });

  it('signs up, signs in, adds a phone, steps up by SMS with fetch() and shows the account', async () => {
    const context = await browser.newContext({ viewport: { width: WIDE_PX, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const shots = pageShots('spa-esm-express5');
    // What the page's fetch() calls got, in order.
    const answers: string[] = [];
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      if (/^\/(api|auth\/2fa)\//.test(pathname)) answers.push(`${response.request().method()} ${pathname} ${response.status()}`);
    });
    try {
      await page.goto(example.url);
      await visible(page, '#signed-out');
      await shots.take(page, 'signed out');

      await page.fill('#signup-username', 'sam');
      await page.fill('#signup-password', 'correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await visible(page, '#status', 'Account created');
      await page.fill('#login-password', 'correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();

      // GET /api/account -> 401 insufficient_user_authentication; no phone yet, so the page asks for one.
      await visible(page, '#phone');
      await shots.take(page, 'add a phone');
      await page.fill('#phone-number', '+1 415 555 0123');
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await visible(page, '#code-title', 'Confirm your phone number');
      await shots.take(page, 'confirm the phone');
      await page.fill('#code-input', await example.waitForCode(1));
      await page.getByRole('button', { name: 'Verify' }).click();

      // The number is bound; the page sends the step-up code at once.
      await visible(page, '#code-title', 'Enter the code');
      const code = await example.waitForCode(2);
      await page.fill('#code-input', code === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: 'Verify' }).click();
      await visible(page, '#code-error', '4 tries left');
      await shots.take(page, 'wrong code');
      await page.fill('#code-input', code);
      await page.getByRole('button', { name: 'Verify' }).click();

      await visible(page, '#account');
      await shots.take(page, 'account');
      expect(await page.textContent('#account-username')).toBe('sam');
      expect(await page.textContent('#account-acr')).toBe('aal2');
      expect(await page.textContent('#account-amr')).toContain('sms');
      expect(answers).toEqual([
        'GET /api/account 401', // unauthenticated: the sign-up and sign-in forms
        'GET /auth/2fa/csrf 200',
        'POST /api/signup 201',
        'POST /api/login 200',
        'GET /api/account 401', // insufficient_user_authentication, acceptableFactors includes sms
        'GET /auth/2fa/methods 200', // no sms among enrolledFactors: ask for a phone
        'GET /auth/2fa/csrf 200', // the login gave the session a new id, and a new token
        'POST /auth/2fa/phone 202',
        'POST /auth/2fa/phone/verify 200',
        'POST /auth/2fa/sms/send 202',
        'POST /auth/2fa/sms/verify 401',
        'POST /auth/2fa/sms/verify 200',
        'GET /api/account 200',
      ]);

      // The step-up lives in the session: a reload shows the account without another code.
      await page.reload();
      await visible(page, '#account');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await visible(page, '#signed-out');
      await page.reload();
      await visible(page, '#signed-out');
      expect(example.codes()).toHaveLength(2);
      expect(shots.overflows).toEqual([]);
      await shots.discard();
    } catch (err) {
      const where = await shots.keep(page);
      console.error(`examples/spa-esm-express5 failed; screenshots in ${where}\nthe example printed:\n${example.output()}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 60_000);
});
