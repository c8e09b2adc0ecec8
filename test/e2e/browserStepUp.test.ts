import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCodeAt } from '../../src/core/totp/totp';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess';

describeWithBrowser('the demo in real Chromium', () => {
  let demo: DemoProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  // A demo per test: alice's number may only receive 3 codes in 10 minutes (the send budget).
  beforeEach(async () => {
    demo = await startDemoProcess();
  });
  afterEach(async () => {
    await demo?.stop();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function freshPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
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

  it('registers a passkey with a virtual authenticator and steps up with it (aal2-phr)', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await withScreenshot(page, 'passkey', async () => {
      await signIn(page);
      await stepUpBySms(page);
      await page.goto(`${demo.url}/auth/2fa/factors`);
      await page.fill('#sg-passkey-name', 'Test key');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForSelector('#sg-passkeys li');
      await expect(page.textContent('#sg-passkeys')).resolves.toContain('Test key');
      // A new session in the same browser (same authenticator): the passkey steps up.
      await page.goto(`${demo.url}/account`);
      await page.click('form[action="/auth/logout"] button');
      await page.waitForURL(`${demo.url}/`);
      await signIn(page);
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.waitForURL(/\/account$/);
      await expect(page.textContent('#acr')).resolves.toBe('aal2-phr');
    });
  });

  it('remembers the device: /account without a step-up next time, /transfer still asks', async () => {
    const page = await freshPage();
    await withScreenshot(page, 'remember-device', async () => {
      await signIn(page);
      await page.getByRole('button', { name: /Text a code/ }).click();
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await page.fill('#sg-code', demo.lastCode());
      await page.check('#sg-remember');
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/account$/);
      await page.click('form[action="/auth/logout"] button');
      await page.waitForURL(`${demo.url}/`);
      await page.goto(`${demo.url}/account`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-demo-password');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/account$/);
      await expect(page.textContent('h1')).resolves.toBe('Your account');
      await page.goto(`${demo.url}/transfer`);
      await page.fill('#amount', '12.50');
      await page.fill('#payee', 'Carol');
      await page.click('form[action="/transfer"] button');
      await page.waitForURL(/\/auth\/2fa\?returnTo=%2Ftransfer%2Fconfirm$/);
      await expect(page.textContent('body')).resolves.toContain('to approve your transfer');
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
