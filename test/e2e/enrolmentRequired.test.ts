import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeProblems } from '../helpers/accessibility';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { startClockedDemoServer, type ClockedDemoServer } from '../helpers/clockedDemoServer';

const DAY = 86_400;

describeWithBrowser('a required passkey with a grace period (Chromium, fake clock)', () => {
  let browser: Browser;
  let demo: ClockedDemoServer;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium();
    // Alice must have a passkey, 3 days from the first time it applies; nobody else must.
    demo = await startClockedDemoServer({ guardOptions: { enrolment: { require: (userId: string) => (userId === 'u1' ? 'phishing_resistant' : null), graceDays: 3 } } });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
  });

  async function pageWithAuthenticator(): Promise<Page> {
    context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return page;
  }

  async function smsStepUp(page: Page) {
    await page.getByRole('button', { name: /Text a code/ }).click();
    await page.waitForURL(/\/auth\/2fa\/sms$/);
    await page.fill('#sg-code', demo.sms.lastCode());
    await page.click('form[action$="/sms/verify"] button');
    await page.waitForURL(/\/auth\/2fa\/enrol\?returnTo=%2Faccount$/);
  }

  it('shows the days left, lets the user go on until the grace period is over, then holds /account until a passkey is added', async () => {
    const page = await pageWithAuthenticator();
    await withScreenshot(page, 'enrol-required', async () => {
      await page.goto(`${demo.url}/account`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-demo-password');
      await page.click('button[type=submit]');
      await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
      await smsStepUp(page);
      await expect(page.textContent('#sg-enrol-deadline')).resolves.toBe('3 days left to add a passkey.');
      expect(await page.isVisible('form[action$="/enrol/decline"]')).toBe(false); // a requirement cannot be declined
      await page.getByRole('link', { name: 'Not now' }).click();
      await page.waitForURL(/\/account$/);

      // Two days later the step-up has expired; the next one shows what is left.
      demo.clock.advanceSeconds(2 * DAY);
      await page.goto(`${demo.url}/account`);
      await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
      await smsStepUp(page);
      await expect(page.textContent('#sg-enrol-deadline')).resolves.toBe('1 day left to add a passkey.');

      // Past the grace period: a fresh step-up is not enough any more.
      demo.clock.advanceSeconds(2 * DAY);
      await page.goto(`${demo.url}/account`);
      await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
      await smsStepUp(page);
      await expect(page.textContent('#sg-enrol-deadline')).resolves.toBe('Add a passkey now to continue: the time to add one is over.');
      expect(await page.isVisible('#sg-enrol-not-now')).toBe(false);
      expect(await axeProblems(page)).toEqual([]);
      await page.goto(`${demo.url}/account`);
      await page.waitForURL(/\/auth\/2fa\/enrol\?returnTo=%2Faccount$/);
      const refused = await page.request.get(`${demo.url}/account`, { headers: { accept: 'application/json' } });
      expect([refused.status(), (await refused.json()).error.code]).toEqual([403, 'enrolment_required']);

      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForURL(/\/account$/);
      await expect(page.textContent('h1')).resolves.toBe('Your account');
    });
  });
});
