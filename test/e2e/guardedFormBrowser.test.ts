import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { createFormHostApp, FORM_HOST_USERS, type FormHost } from '../helpers/formHostApp';
import { listen } from '../helpers/httpJar';

/** Issue 15.3 in real Chromium: a guarded form post survives the SMS step-up and is sent once. */
describeWithBrowser('a guarded form in Chromium', () => {
  let browser: Browser;
  let host: FormHost;
  let server: { baseUrl: string; close(): Promise<void> };
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  beforeEach(async () => {
    host = await createFormHostApp();
    server = await listen(host.app);
  });
  afterEach(async () => {
    await context?.close();
    await server?.close();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function freshPage(): Promise<Page> {
    context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
  }

  it('is confirmed after the SMS step-up and reaches the host route exactly once, with the original fields', async () => {
    const page = await freshPage();
    const alice = FORM_HOST_USERS.alice;
    await withScreenshot(page, 'guarded-form-continues', async () => {
      await page.goto(`${server.baseUrl}/login`);
      await page.fill('#username', alice.username);
      await page.fill('#password', alice.password);
      await page.click('form[action="/login"] button');
      await page.waitForURL(/\/settings$/);

      await page.fill('#displayName', 'Alice from "Chromium" <3');
      await page.fill('#bio', 'line one\nline two');
      await page.fill('#currentPassword', 'hunter2-correct-horse');
      await page.check('#topic-news');
      await page.check('#topic-security');
      await page.click('form[action^="/settings"] button');
      await page.waitForURL(/\/auth\/2fa$/);
      expect(host.received).toHaveLength(0);

      await page.click('form[action$="/sms/send"] button');
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await page.fill('#sg-code', host.sms.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/auth\/2fa\/continue\/[A-Za-z0-9_-]{22}$/);
      const continueUrl = page.url();

      // The confirmation lists what will be sent; the password is sent but never shown.
      const shown = (await page.textContent('body')) ?? '';
      expect(shown).toContain('Alice from "Chromium" <3');
      expect(shown).toContain('/settings?tab=profile');
      expect(shown).not.toContain('hunter2');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/settings\?tab=profile$/);
      await expect(page.textContent('#saved')).resolves.toBe('Saved 1');
      expect(host.received).toHaveLength(1);
      const { _csrf, ...fields } = host.received[0]?.body ?? {};
      expect(fields).toEqual({
        displayName: 'Alice from "Chromium" <3',
        bio: 'line one\r\nline two',
        currentPassword: 'hunter2-correct-horse',
        topics: ['news', 'security'],
      });
      expect(_csrf).toEqual(expect.any(String));

      // Back to the confirmation, or its address again: it was for one use.
      const again = await page.goto(continueUrl);
      expect(again?.status()).toBe(410);
      await expect(page.textContent('body')).resolves.toContain('That request expired');
      expect(await page.locator('form[action^="/settings"]').count()).toBe(0);
      expect(host.received).toHaveLength(1);
    });
  });
});
