import type { Browser, Page } from 'playwright-core';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';

/**
 * The demo's relying-party page in real Chromium against `npm start`'s build: sign in through
 * the demo's OpenID Connect provider, see acr/amr, press "Do something sensitive", meet the
 * API's RFC 9470 challenge, step up by SMS on stepguard's pages and come back to the answer.
 */
describeWithBrowser('the demo relying party in Chromium', () => {
  let demo: DemoProcess;
  let browser: Browser;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemoProcess(), launchChromium()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), demo?.stop()]);
  });

  async function freshPage(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(8000);
    return page;
  }

  it('signs in at aal1, then steps up by SMS for the sensitive API and gets its answer', async () => {
    const page = await freshPage();
    await withScreenshot(page, 'oidc-rp-step-up', async () => {
      await page.goto(`${demo.url}/rp`);
      await page.click('#rp-sign-in');
      await page.waitForURL(/\/login\?returnTo=%2Foidc%2Finteraction%2F/);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-demo-password');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/rp$/);
      await expect(page.textContent('#rp-acr')).resolves.toBe('aal1');
      await expect(page.textContent('#rp-amr')).resolves.toBe('pwd');

      await page.click('#rp-sensitive');
      await page.waitForURL(/\/auth\/2fa$/);
      await page.getByRole('button', { name: /Text a code/ }).click();
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await page.fill('#sg-code', demo.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/rp$/);
      await expect(page.textContent('#rp-acr')).resolves.toBe('aal2');
      await expect(page.textContent('#rp-amr')).resolves.toBe('pwd, sms, mfa');
      await expect(page.textContent('#rp-result')).resolves.toContain('something sensitive');
      expect(await page.locator('#rp-error').count()).toBe(0);
    });
  });
});
