import type { Page } from 'playwright-core';
import { axeProblems } from '../helpers/accessibility';
import { describeWithBrowser, withScreenshot } from '../helpers/browser';
import { browserSuite } from '../helpers/browserSuite';
import { startClockedDemoServer, type ClockedDemoServer } from '../helpers/clockedDemoServer';
import { DEMO_ACCOUNT, DEMO_OPERATOR } from '../../src/demo/createDemoApp';
import { DEFAULT_FIRST_FACTOR_WAIT_SECONDS } from '../../src/http/admin/adminRouterOptions';

/**
 * An hour of traffic through the service at advancing fake-clock times: eight accounts take
 * turns, one send a minute, three in four verified with the code that arrived.
 */
async function simulateHourOfTraffic(server: ClockedDemoServer): Promise<{ sent: number; verified: number }> {
  const users = Array.from({ length: 8 }, (_, i) => `load-${i + 1}`);
  for (const [i, userId] of users.entries()) await server.guard.service.bindPhoneUnchecked(userId, `+1202555010${i}`);
  let sent = 0;
  let verified = 0;
  for (let minute = 0; minute < 60; minute += 1) {
    server.clock.advanceSeconds(60);
    const userId = users[minute % users.length] as string;
    const send = await server.guard.service.sendSmsChallenge({ userId, bindingId: `b-${userId}`, action: 'login' });
    if (!send.ok) continue;
    sent += 1;
    if (minute % 4 === 3) continue;
    const result = await server.guard.service.verifySmsChallenge({ userId, bindingId: `b-${userId}`, challengeId: send.challengeId, code: server.sms.lastCode(), expect: 'step_up' });
    if (result.ok) verified += 1;
  }
  return { sent, verified };
}

describeWithBrowser('the admin console in Chromium (operator passkey, fake clock)', () => {
  const suite = browserSuite(() => startClockedDemoServer());

  async function operatorPage(): Promise<Page> {
    const context = await suite.newContext();
    const page = suite.watch(await context.newPage());
    page.setDefaultTimeout(8000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return page;
  }

  it('signs in as the operator, steps up with a passkey, reads the overview, resets a user’s phone with a reason', async () => {
    const { url, sms } = suite.server;
    const page = await operatorPage();
    await withScreenshot(page, 'admin-console', async () => {
      // The operator's first passkey: its fresh password is enough on an account without a second factor.
      await page.goto(`${url}/auth/2fa/factors`);
      await page.waitForURL(/\/login\?returnTo=/);
      await page.fill('#username', DEMO_OPERATOR.username);
      await page.fill('#password', DEMO_OPERATOR.password);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/auth\/2fa\/factors$/);
      await page.fill('#sg-passkey-name', 'Operator key');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForSelector('#sg-passkeys li');
      // Bound with the password alone, the passkey opens the console only after the first-factor
      // wait (adminRouter firstFactorWaitSeconds, 72 h): the fake clock passes it, then an hour of traffic.
      suite.server.clock.advanceSeconds(DEFAULT_FIRST_FACTOR_WAIT_SECONDS);
      const traffic = await simulateHourOfTraffic(suite.server);
      expect(traffic.sent).toBeGreaterThan(20);

      // The console wants a fresh passkey step-up of its own.
      await page.goto(`${url}/admin/2fa/`);
      await page.waitForURL(/\/auth\/2fa\?returnTo=%2Fadmin%2F2fa%2F$/);
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.waitForURL(`${url}/admin/2fa/`);
      await page.waitForSelector('#sg-admin-chart[data-sg-chart=drawn] canvas');
      await expect(page.textContent('[data-sg-total=sent]')).resolves.toBe(String(traffic.sent));
      // The operator's own passkey step-up a moment ago is a verification too.
      await expect(page.textContent('[data-sg-total=verified]')).resolves.toBe(String(traffic.verified + 1));
      const completionUs = await page.$$eval('#sg-admin-completion tbody tr:first-child td', (cells) => cells.map((c) => (c.textContent ?? '').trim()));
      expect(completionUs.slice(0, 3)).toEqual(['US', String(traffic.verified), String(traffic.sent)]);
      expect(await axeProblems(page)).toEqual([]);

      // Find alice and reset her phone.
      await page.fill('#sg-admin-q', DEMO_ACCOUNT.username);
      await page.getByRole('button', { name: 'Find' }).click();
      await page.waitForURL(/\/admin\/2fa\/users\/u\d+$/);
      await expect(page.textContent('#sg-admin-factors')).resolves.toContain('••');
      expect(await axeProblems(page)).toEqual([]);
      const before = sms.messages.length;
      await page.selectOption('#sg-admin-factor', 'sms');
      await page.fill('#sg-admin-reset-reason', 'Ticket 1234: lost phone, identity checked by video call');
      await page.getByRole('button', { name: 'Reset factor' }).click();
      await page.waitForURL(/\?done=factor_reset$/);
      await expect(page.textContent('#sg-admin-done')).resolves.toContain('the factor was reset');
      await expect(page.textContent('#sg-admin-factors')).resolves.toContain('No second factor');
      // The user was told on the number the account had.
      expect(sms.messages.slice(before).map((m) => m.to)).toEqual([DEMO_ACCOUNT.phone]);
      // The audit trail shows it, the operator and the reason, and the chain checks out.
      const audit = await page.textContent('#sg-admin-audit');
      expect(audit).toContain('factor_changed');
      expect(audit).toMatch(/admin:u\d+/);
      expect(audit).toContain('reason=Ticket 1234: lost phone');
      await expect(page.textContent('#sg-admin-chain')).resolves.toContain('Chain verified');
    });
  });
});
