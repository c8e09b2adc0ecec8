import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCodeAt } from '../../src/core/totp/totp';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';

describeWithBrowser('the demo in real Chromium', () => {
  let demo: DemoProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    demo = await startDemoProcess();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  async function freshPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page) {
    await page.goto(`${demo.url}/account`);
    await page.waitForURL(/\/login\?returnTo=%2Faccount$/);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
  }

  async function stepUpBySms(page: Page) {
    await page.getByRole('button', { name: /Text a code to \+1 •+23/ }).click();
    await page.waitForURL(/\/auth\/2fa\/sms$/);
    expect(await page.getAttribute('#sg-code', 'autocomplete')).toBe('one-time-code');
    await page.fill('#sg-code', demo.lastCode());
    await page.click('form[action$="/sms/verify"] button');
    await page.waitForURL(/\/account$/);
  }

  it('signs alice in and steps up by SMS through the pages', async () => {
    const page = await freshPage();
    await withScreenshot(page, 'sms-step-up', async () => {
      await signIn(page);
      await page.getByRole('button', { name: /Text a code/ }).click();
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await page.fill('#sg-code', demo.lastCode() === '000000' ? '111111' : '000000');
      await page.click('form[action$="/sms/verify"] button');
      await expect(page.textContent('[role=alert]')).resolves.toContain('4 tries left');
      await page.fill('#sg-code', demo.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/account$/);
      expect(await page.textContent('#acr')).toBe('aal2');
    });
  });

  it('enrols TOTP from the factor page and steps up with it in a new session', async () => {
    const page = await freshPage();
    let secret = '';
    await withScreenshot(page, 'totp-enrol', async () => {
      await signIn(page);
      await stepUpBySms(page);
      await page.goto(`${demo.url}/auth/2fa/factors`);
      await page.getByRole('button', { name: /Set up an authenticator app/ }).click();
      expect(await page.getAttribute('img[alt^="QR code"]', 'src')).toMatch(/^data:image\/png;base64,/);
      secret = (await page.textContent('#sg-totp-secret')) ?? '';
      await page.fill('#sg-totp-confirm', await totpCodeAt(secret, Date.now()));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.waitForURL(/\/auth\/2fa\/factors$/);
      await expect(page.textContent('body')).resolves.toContain('Authenticator app — added');
    });
    const second = await freshPage();
    await withScreenshot(second, 'totp-step-up', async () => {
      await signIn(second);
      // The next time step: the current one was used to confirm and is never accepted again.
      await second.fill('#sg-totp', await totpCodeAt(secret, Date.now() + 30_000));
      await second.click('form[action$="/totp/verify"] button');
      await second.waitForURL(/\/account$/);
      await expect(second.textContent('#amr')).resolves.toContain('otp');
    });
  });

  it('creates backup codes, shows them once, and signs in with one', async () => {
    const page = await freshPage();
    let codes: string[] = [];
    await withScreenshot(page, 'backup-codes', async () => {
      await signIn(page);
      await stepUpBySms(page);
      await page.goto(`${demo.url}/auth/2fa/factors`);
      await page.getByRole('button', { name: /(Create|Replace my) backup codes/ }).click();
      codes = await page.locator('#sg-backup-codes code').allTextContents();
      expect(codes).toHaveLength(10);
      expect(await page.getAttribute('a[download="backup-codes.txt"]', 'href')).toMatch(/^data:text\/plain/);
      await page.goto(`${demo.url}/auth/2fa/factors`);
      await expect(page.textContent('body')).resolves.toContain('10 of 10 codes left');
      await expect(page.textContent('body')).resolves.not.toContain(codes[0] as string);
    });
    const second = await freshPage();
    await withScreenshot(second, 'backup-step-up', async () => {
      await signIn(second);
      await second.click('summary:has-text("Use a backup code")');
      await second.fill('#sg-backup', (codes[0] as string).toLowerCase());
      await second.click('form[action$="/backup-codes/verify"] button');
      await second.waitForURL(/\/account$/);
      await expect(second.textContent('#acr')).resolves.toBe('aal2');
    });
  });
});
