import type { Page } from 'playwright-core';
import { expectAccessible } from '../helpers/accessibility';
import { describeWithBrowser } from '../helpers/browser';
import { browserAgainstTestApp } from '../helpers/browserSuite';
import { startDemoProcess } from '../helpers/demoProcess';

/**
 * Issue #14 item 6, the demo's own pages (stepguard's pages: accessibility.test.ts): axe-core
 * finds nothing serious or critical, Tab reaches every control in order with visible focus, and
 * errors are announced and tied to their fields.
 */
describeWithBrowser("accessibility of the demo's pages in Chromium", () => {
  const suite = browserAgainstTestApp();
  const checked: string[] = [];

  async function freshPage(): Promise<Page> {
    const context = await suite.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
  }

  async function check(page: Page, name: string, options: { errorFields?: string[] } = {}): Promise<void> {
    await expectAccessible(page, name, options);
    checked.push(name);
  }

  it("the demo's own pages: home, sign-in (and its error), account, a transfer from form to done", async () => {
    const page = await freshPage();
    await page.goto(`${suite.base}/`);
    await check(page, 'demo-home');
    await page.goto(`${suite.base}/login`);
    await check(page, 'demo-login');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'not-the-password-at-all');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error');
    await check(page, 'demo-login-error', { errorFields: ['username', 'password'] });
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
    await page.getByRole('button', { name: /Text a code to/ }).click();
    await page.fill('#sg-code', suite.t.sms.lastCode());
    await page.click('form[action$="/sms/verify"] button');
    await page.waitForURL(/\/account$/);
    await check(page, 'demo-account');
    await page.goto(`${suite.base}/`);
    await check(page, 'demo-home-signed-in');
    await page.goto(`${suite.base}/transfer`);
    await check(page, 'demo-transfer');
    await page.fill('#amount', '12.345');
    await page.fill('#payee', 'ACME Ltd');
    await page.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { removeAttribute(a: string): void } } }).document.querySelector('#amount').removeAttribute('pattern'));
    await page.click('form[action="/transfer"] button');
    await page.waitForSelector('[role=alert]');
    await check(page, 'demo-transfer-error', { errorFields: ['amount'] });
    await page.fill('#amount', '25');
    await page.fill('#payee', 'ACME Ltd');
    await page.click('form[action="/transfer"] button');
    await page.waitForURL(/\/auth\/2fa/);
    await check(page, 'choose-transfer');
    await page.getByRole('button', { name: /Text a code to/ }).click();
    await page.waitForURL(/\/auth\/2fa\/sms$/);
    await check(page, 'sms-transfer');
    await page.fill('#sg-code', suite.t.sms.lastCode());
    await page.click('form[action$="/sms/verify"] button');
    await page.waitForURL(/\/transfer\/confirm$/);
    await check(page, 'demo-transfer-confirm');
    await page.click('form[action="/transfer"] button');
    await page.waitForSelector('#transfer-result');
    await check(page, 'demo-transfer-done');
  });

  it('the relying-party page of the demo\'s OpenID Connect provider, signed out, at aal1 and after the step-up (npm start\'s build)', async () => {
    const demo = await startDemoProcess();
    try {
      const page = await freshPage();
      await page.goto(`${demo.url}/rp`);
      await check(page, 'demo-rp');
      await page.click('#rp-sign-in');
      await page.waitForURL(/\/login\?returnTo=%2Foidc%2Finteraction%2F/);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-demo-password');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/rp$/);
      await check(page, 'demo-rp-signed-in');
      await page.click('#rp-sensitive');
      await page.waitForURL(/\/auth\/2fa$/);
      await page.getByRole('button', { name: /Text a code/ }).click();
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await page.fill('#sg-code', demo.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/rp$/);
      await page.waitForSelector('#rp-result');
      await check(page, 'demo-rp-result');
    } finally {
      await demo.stop();
    }
  });

  it('checked every page it names', () => {
    for (const name of ['demo-home', 'demo-login', 'demo-login-error', 'demo-account', 'demo-home-signed-in', 'demo-transfer', 'demo-transfer-error', 'demo-transfer-confirm', 'demo-transfer-done', 'demo-rp', 'demo-rp-signed-in', 'demo-rp-result']) {
      expect([name, checked.includes(name)]).toEqual([name, true]);
    }
  });
});
