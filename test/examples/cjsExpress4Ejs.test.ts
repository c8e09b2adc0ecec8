import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { describeWithBrowser, launchChromium } from '../helpers/browser';
import { installExample, removeExample, startExample, type RunningExample } from './exampleProcess';
import { pageShots, WIDE_PX } from './pageShots';

/**
 * examples/cjs-express4-ejs, installed from its own package.json (express ^4: the express4
 * alias) and started with plain node, driven in Chromium: EJS forms with the app's own CSRF
 * tokens, a phone added through stepguard's pages, and a guarded form POST that is sent again
 * after the step-up, reaching the app's route exactly once.
 */
const run = promisify(execFile);

describeWithBrowser('examples/cjs-express4-ejs in Chromium', () => {
  let dir = '';
  let example: RunningExample;
  let browser: Browser;

  beforeAll(async () => {
    dir = installExample('cjs-express4-ejs');
    example = await startExample(dir);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await example?.stop();
    if (dir) removeExample(dir);
  });

  it('loads Express 4, as its package.json asks', async () => {
    const { stdout } = await run(process.execPath, ['-p', "require('express/package.json').version"], { cwd: dir });
    expect(stdout.trim()).toMatch(/^4\./);
  });

  it('signs up, signs in, adds a phone, and a guarded e-mail change continues after the SMS step-up, once', async () => {
    const context = await browser.newContext({ viewport: { width: WIDE_PX, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const shots = pageShots('cjs-express4-ejs');
    const emailPosts: string[] = [];
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      if (pathname === '/account/email') emailPosts.push(`${response.status()} ${response.headers().location ?? ''}`);
    });
    try {
      await page.goto(`${example.url}/signup`);
      await shots.take(page, 'sign up');
      await page.fill('#username', 'robin');
      await page.fill('#email', 'robin@example.com');
      await page.fill('#password', 'correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/\/login\?created=1$/);
      await shots.take(page, 'sign in');
      await page.fill('#username', 'robin');
      await page.fill('#password', 'correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/account$/);
      await shots.take(page, 'account');

      // A phone through stepguard's own pages: the fresh password is enough for a first one.
      await page.click('#phone-link');
      await page.waitForURL(/\/auth\/2fa\/phone$/);
      await shots.take(page, 'stepguard add a phone');
      await page.fill('#sg-phone', '+1 415 555 0123');
      await page.click('form[action$="/phone"] button[type=submit]');
      await page.locator('#sg-code').waitFor();
      await shots.take(page, 'stepguard confirm the phone');
      await page.fill('#sg-code', await example.waitForCode(1));
      await page.click('form[action$="/phone/verify"] button[type=submit]');
      await page.locator('[role=status]').waitFor();
      await shots.take(page, 'stepguard phone added');
      await page.click('a[href="/account"]');
      await page.waitForURL(/\/account$/);

      // The guarded form: refused for a step-up, kept, and sent again after the code.
      await page.fill('#new-email', 'robin@example.org');
      await page.check('#notify-old');
      await page.getByRole('button', { name: 'Change e-mail' }).click();
      await page.waitForURL(/\/auth\/2fa$/);
      await shots.take(page, 'stepguard choose a factor');
      await page.click('form[action$="/sms/send"] button[type=submit]');
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await shots.take(page, 'stepguard enter the code');
      await page.fill('#sg-code', await example.waitForCode(2));
      await page.click('form[action$="/sms/verify"] button[type=submit]');
      await page.waitForURL(/\/auth\/2fa\/continue\/[A-Za-z0-9_-]{22}$/);
      const continueUrl = page.url();
      await shots.take(page, 'stepguard continue');
      await expect(page.textContent('body')).resolves.toContain('robin@example.org');
      expect(await page.getAttribute('form[action="/account/email"]', 'method')).toBe('post');
      expect(await page.locator('#email').count()).toBe(0); // not the account page: nothing was changed yet
      await page.click('form[action="/account/email"] button[type=submit]');

      await page.waitForURL(/\/account\?changed=1$/);
      await shots.take(page, 'account changed');
      expect(await page.textContent('#email')).toBe('robin@example.org');
      expect(await page.locator('#email-changes li').allTextContents()).toEqual(['robin@example.com → robin@example.org (old address told: yes)']);
      expect(emailPosts).toEqual(['303 /auth/2fa', '303 /account?changed=1']);

      // The confirmation page works once: a second visit sends nothing.
      const again = await page.goto(continueUrl);
      expect(again?.status()).toBe(410);
      await page.goto(`${example.url}/account`);
      expect(await page.locator('#email-changes li').count()).toBe(1);
      expect(emailPosts).toHaveLength(2);
      expect(example.codes()).toHaveLength(2);
      expect(shots.overflows).toEqual([]);
      await shots.discard();
    } catch (err) {
      const where = await shots.keep(page);
      console.error(`examples/cjs-express4-ejs failed; screenshots in ${where}\nthe example printed:\n${example.output()}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 60_000);
});
