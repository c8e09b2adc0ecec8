import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { csvGeoLookup } from '../../src/risk/csvGeoLookup';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { startClockedDemoServer, type ClockedDemoServer } from '../helpers/clockedDemoServer';

const geo = csvGeoLookup(join(__dirname, '../fixtures/geo.csv'));

describeWithBrowser('an alert on a sign-in from a new country (Chromium, X-Forwarded-For behind a trusted proxy)', () => {
  let browser: Browser;
  let demo: ClockedDemoServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    demo = await startClockedDemoServer({ trustProxy: true, guardOptions: { risk: { geo } } });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await demo?.close();
  });

  /** A browser whose requests arrive (through the trusted proxy) from `ip`. */
  async function browserAt(ip: string): Promise<Page> {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': ip } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
  }
  async function signIn(page: Page) {
    await page.goto(`${demo.url}/account`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
  }
  const alertsToAlice = () => demo.sms.messages.filter((m) => m.to === '+14155550123' && !/#\d+\s*$/.test(m.body)).map((m) => m.body);

  it('tells the owner by SMS and through the hook, in words that say what to do; the sign-in itself goes on to the step-up', async () => {
    const home = await browserAt('10.1.1.1');
    await withScreenshot(home, 'alert-home', async () => {
      await signIn(home);
      await home.getByRole('button', { name: /Text a code/ }).click();
      await home.waitForURL(/\/auth\/2fa\/sms$/);
      await home.fill('#sg-code', demo.sms.lastCode());
      await home.click('form[action$="/sms/verify"] button');
      await home.waitForURL(/\/account$/);
    });
    expect(alertsToAlice()).toEqual([]);

    demo.clock.advanceSeconds(86_400);
    const paris = await browserAt('20.1.1.1');
    await withScreenshot(paris, 'alert-paris', async () => {
      await signIn(paris);
      // Escalated (new device in a new country): SMS is not offered to whoever is in Paris.
      await expect(paris.textContent('body')).resolves.toContain('new device in a new country');
    });
    expect(alertsToAlice()).toEqual(['New sign-in to stepguard from France. If this was not you, change your password now: someone knows it.']);
    expect(demo.events.filter((e) => e.type === 'sign_in')).toEqual([
      expect.objectContaining({ userId: 'u1', change: 'new_country', alert: expect.objectContaining({ kind: 'new_country', country: 'FR' }) }),
    ]);
  });
});
