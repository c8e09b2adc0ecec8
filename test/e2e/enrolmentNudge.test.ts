import type { Page } from 'playwright-core';
import { totpCodeAt } from '../../src/core/totp/totp';
import { axeProblems } from '../helpers/accessibility';
import { describeWithBrowser, withScreenshot } from '../helpers/browser';
import { browserSuite } from '../helpers/browserSuite';
import { startClockedDemoServer } from '../helpers/clockedDemoServer';

const DAY = 86_400;

describeWithBrowser('the enrolment offer after an SMS step-up (Chromium, fake clock)', () => {
  const suite = browserSuite(() => startClockedDemoServer({ guardOptions: { enrolment: { nudge: true, passkeyUpgrade: true } } }));

  async function freshPage(options: { passkeys?: 'virtual' | 'none' } = {}): Promise<Page> {
    const context = await suite.newContext();
    // A browser without WebAuthn (an old one, some embedded views): the page must not offer what it cannot do.
    if (options.passkeys === 'none') await context.addInitScript({ content: 'delete window.PublicKeyCredential;' });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    suite.watch(page);
    if (options.passkeys === 'virtual') {
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
      });
    }
    return page;
  }

  /** Sign in as alice from /account and step up by SMS: where the browser lands next is the test's. */
  async function signInAndStepUp(page: Page) {
    await page.goto(`${suite.server.url}/account`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
    await page.getByRole('button', { name: /Text a code/ }).click();
    await page.waitForURL(/\/auth\/2fa\/sms$/);
    await page.fill('#sg-code', suite.server.sms.lastCode());
    await page.click('form[action$="/sms/verify"] button');
  }
  const onOffer = (page: Page) => page.waitForURL(/\/auth\/2fa\/enrol\?returnTo=%2Faccount$/);
  const onAccount = (page: Page) => page.waitForURL(/\/account$/);

  it('offers a second way in between the step-up and the account; "Not now" goes on and keeps it away for 7 days', async () => {
    const page = await freshPage();
    await withScreenshot(page, 'enrol-not-now', async () => {
      await signInAndStepUp(page);
      await onOffer(page);
      await expect(page.textContent('main, body')).resolves.toContain('Right now you have only one way to verify it’s you');
      expect(await axeProblems(page)).toEqual([]);
      await page.getByRole('button', { name: 'Not now' }).click();
      await onAccount(page);
      await expect(page.textContent('h1')).resolves.toBe('Your account');

      suite.server.clock.advanceSeconds(6 * DAY);
      await page.context().clearCookies(); // another session, even another browser: the answer is the user's
      await signInAndStepUp(page);
      await onAccount(page);

      suite.server.clock.advanceSeconds(DAY + 60);
      await page.context().clearCookies();
      await signInAndStepUp(page);
      await onOffer(page);
    });
  });

  it('"Don\'t ask again" goes on and is never asked again', async () => {
    const page = await freshPage();
    await withScreenshot(page, 'enrol-decline', async () => {
      await signInAndStepUp(page);
      await onOffer(page);
      await page.getByRole('button', { name: 'Don’t ask again' }).click();
      await onAccount(page);
      suite.server.clock.advanceSeconds(90 * DAY);
      await page.context().clearCookies();
      await signInAndStepUp(page);
      await onAccount(page);
    });
  });

  it('sets up an authenticator app right on the page and goes on to the account', async () => {
    const page = await freshPage();
    await withScreenshot(page, 'enrol-totp', async () => {
      await signInAndStepUp(page);
      await onOffer(page);
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      expect(await page.getAttribute('img[alt^="QR code"]', 'src')).toMatch(/^data:image\/png;base64,/);
      const secret = (await page.textContent('#sg-totp-secret')) ?? '';
      await page.fill('#sg-totp-confirm', await totpCodeAt(secret, suite.server.clock.nowMs()));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await onAccount(page);
      expect(await suite.server.guard.service.listEnrolledFactors('u1')).toEqual(['sms', 'otp']);
    });
  });

  it('adds a passkey where the browser can make one (virtual authenticator) and goes on', async () => {
    const page = await freshPage({ passkeys: 'virtual' });
    await withScreenshot(page, 'enrol-passkey', async () => {
      await signInAndStepUp(page);
      await onOffer(page);
      await page.fill('#sg-passkey-name', 'Laptop');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await onAccount(page);
      const factors = await suite.server.guard.service.listFactors('u1');
      expect(factors.map((f) => [f.type, f.label])).toEqual([['webauthn', 'Laptop']]);
    });
  });

  it('offers no passkey where the browser cannot make one, and a passkey upgrade alone goes straight on there', async () => {
    const page = await freshPage({ passkeys: 'none' });
    await withScreenshot(page, 'enrol-no-webauthn', async () => {
      await signInAndStepUp(page);
      await onOffer(page);
      expect(await page.isVisible('#sg-enrol-passkey')).toBe(false);
      expect(await page.isVisible('[data-sg-no-passkey]')).toBe(true);
      await page.getByRole('button', { name: 'Create backup codes' }).click();
      await expect(page.locator('#sg-backup-codes li').count()).resolves.toBe(10);
      await page.getByRole('link', { name: 'I have saved them: continue' }).click();
      await onAccount(page);
      // Phone and backup codes now: after the next SMS step-up only a passkey upgrade is left to offer,
      // and this browser cannot make one, so it does not even stop.
      await page.context().clearCookies();
      const visited: string[] = [];
      page.on('framenavigated', (frame) => visited.push(new URL(frame.url()).pathname));
      await signInAndStepUp(page);
      await onAccount(page);
      expect(visited.filter((path) => path.startsWith('/auth/2fa/enrol'))).toEqual(['/auth/2fa/enrol']);
      expect(visited.at(-1)).toBe('/account');
    });
  });
});
