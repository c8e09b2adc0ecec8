import type { Page } from 'playwright-core';
import { describeWithBrowser, withScreenshot } from '../helpers/browser';
import { browserAgainstTestApp } from '../helpers/browserSuite';

/**
 * Issue 14 item 2 in real Chromium, through stepguard's recovery page (the demo in-process, so
 * the fake clock stands in for the days of waiting): a recovery started, its wait shown, and
 * cancelled by the owner from another browser; and one completed after the wait, which leaves
 * the account without factors and sends the user to add one.
 */
describeWithBrowser('self-service recovery in Chromium', () => {
  const suite = browserAgainstTestApp();
  const HOUR = 3600;

  /** A browser of its own, signed in as alice by the login page, on the recovery page. */
  async function recoveryPage(): Promise<Page> {
    const context = await suite.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    suite.watch(page);
    await signInTo(page, true);
    return page;
  }

  /** The login page, coming back to the recovery page (the first time, the recovery page sends it there). */
  async function signInTo(page: Page, first = false): Promise<void> {
    if (first) {
      await page.goto(`${suite.base}/auth/2fa/recovery`);
      await page.waitForURL(/\/login\?returnTo=%2Fauth%2F2fa%2Frecovery$/);
    } else {
      await page.goto(`${suite.base}/login?returnTo=%2Fauth%2F2fa%2Frecovery`);
    }
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\/recovery$/);
  }

  it('starts a recovery, shows the wait, and the owner cancels it from another browser', async () => {
    const asker = await recoveryPage();
    await withScreenshot(asker, 'recovery-start', async () => {
      await asker.getByRole('button', { name: 'Start the recovery' }).click();
      await asker.waitForURL(/\/auth\/2fa\/recovery$/);
      const status = asker.locator('#sg-recovery-status');
      await expect(status.textContent()).resolves.toContain('An account recovery is waiting');
      // The end, in the page's <time> (144 h: this browser never passed a second factor here).
      const end = await status.locator('time').getAttribute('datetime');
      expect(Date.parse(end ?? '') - suite.t.clock.nowMs()).toBe(144 * HOUR * 1000);
      // Days away: the date is written out (UTC, as in the SMS).
      await expect(status.textContent()).resolves.toContain('Wednesday, January 21, 2026 at 9:00 AM UTC');
      await expect(asker.textContent('body')).resolves.toContain('new device or country');
      expect(await asker.locator('#sg-recovery-complete').count()).toBe(0);
    });
    // Alice's phone was told, with the page that cancels it.
    expect(suite.t.sms.messages.at(-1)?.body).toContain('/auth/2fa/recovery');

    const owner = await recoveryPage();
    await withScreenshot(owner, 'recovery-cancel', async () => {
      await expect(owner.locator('#sg-recovery-status').textContent()).resolves.toContain('waiting');
      await owner.getByRole('button', { name: 'Cancel the recovery' }).click();
      await owner.waitForURL(/\/auth\/2fa\/recovery$/);
      await expect(owner.getByRole('status').textContent()).resolves.toContain('was cancelled');
    });
    await withScreenshot(asker, 'recovery-cancelled-elsewhere', async () => {
      await asker.reload();
      await expect(asker.textContent('body')).resolves.toContain('was cancelled');
      expect(await asker.locator('#sg-recovery-cancel').count()).toBe(0);
    });
    expect(await suite.t.guard.service.phoneBindingOf('u1')).not.toBeNull();
  });

  it('completes after the wait, then sends the user to add a sign-in method', async () => {
    const page = await recoveryPage();
    await withScreenshot(page, 'recovery-complete', async () => {
      await page.getByRole('button', { name: 'Start the recovery' }).click();
      await page.waitForURL(/\/auth\/2fa\/recovery$/);
      // 120 h later the reminder is due: this visit sends it; the end stays at 144 h.
      suite.t.clock.advanceSeconds(120 * HOUR);
      await page.reload();
      expect(await page.locator('#sg-recovery-complete').count()).toBe(0);
      expect(suite.t.sms.messages.at(-1)?.body).toMatch(/^Reminder/);
      suite.t.clock.advanceSeconds(24 * HOUR);
      // Back after the wait: the password again, then the page offers to finish.
      await signInTo(page);
      await page.getByRole('button', { name: 'Remove my old sign-in methods' }).click();
      await page.waitForURL(/\/auth\/2fa\/recovery$/);
      await expect(page.getByRole('status').textContent()).resolves.toContain('Your account was recovered');
      await page.getByRole('link', { name: 'Add a sign-in method' }).click();
      await page.waitForURL(/\/auth\/2fa\/factors$/);
      await expect(page.textContent('body')).resolves.toContain('No number yet.');
    });
    expect(await suite.t.guard.service.listEnrolledFactors('u1')).toEqual([]);
  });
});
