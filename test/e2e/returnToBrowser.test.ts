import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createDemoApp } from '../../src/demo/createDemoApp';
import { safeReturnTo } from '../../src/http/safeReturnTo';
import { describeWithBrowser, launchChromium, withScreenshot } from '../helpers/browser';
import { freePort } from '../helpers/redisServer';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';
import { anyReturnTo, EXPLOIT_RETURN_TOS, trickyReturnTo } from '../helpers/returnToInputs';

/**
 * Issue 16, item 1, in a real browser: what safeReturnTo accepts, Chromium keeps on the app's
 * origin; the exploit inputs, through the real pages and the passkey script, end on the origin.
 */
describeWithBrowser('returnTo in real Chromium', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  const sms = new RecordingSmsProvider();
  const contexts: BrowserContext[] = [];
  /** Every request the browser made to another origin (answered with a stub, never the network). */
  const offOrigin: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    const { app } = await createDemoApp({
      appOrigin: origin,
      smsProvider: sms,
      // bench-1 has a number of its own: alice's number may receive only 3 codes in 10 minutes.
      benchUsers: 1,
      logger: pino({ level: 'silent' }),
      environment: 'test',
      sessionSecret: 'browser-returnto-session-secret-0123456789abcdef',
      pepper: 'browser-returnto-pepper-0123456789abcdefghijklmnop',
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(port, '127.0.0.1', () => resolve(s));
    });
    expect((server.address() as AddressInfo).port).toBe(port);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      offOrigin.push(url);
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>off origin</h1>' });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    return page;
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${origin}/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
  }

  it('navigates to every accepted returnTo of a sample on the app origin, where Node resolves it', async () => {
    const page = await newPage();
    const start = `${origin}/__returnto-start`;
    const fixed = [...EXPLOIT_RETURN_TOS, '/a/../account', '/%2e%2e/account', '/x?next=//evil.example', '/x#//evil.example', '/@evil.example', '/%2F%2Fevil.example', '/%5Cevil.example', '/..;/evil.example'];
    const sampled = fc.sample(fc.oneof(anyReturnTo, trickyReturnTo), { numRuns: 3000, seed: 16 });
    const accepted = [...new Set([...fixed, ...sampled].map((s) => safeReturnTo(s, [origin])).filter((r): r is string => r !== null))]
      .filter((r) => !r.startsWith('/__returnto-start'))
      .slice(0, 40);
    expect(accepted.length).toBeGreaterThanOrEqual(30);
    await withScreenshot(page, 'returnto-sample', async () => {
      await page.goto(start);
      for (const r of accepted) {
        // Each navigation starts where the last one landed (on the origin, checked), unless that is the target.
        const from = page.url();
        if (new URL(r, origin).href.split('#')[0] === from.split('#')[0]) await page.goto(start);
        const before = page.url();
        // The URL Chromium asks for (before any redirect of the demo's, such as /account -> /login).
        const request = page.waitForRequest((req) => req.isNavigationRequest() && req.frame() === page.mainFrame());
        const moved = page.waitForURL((url) => url.href !== before, { waitUntil: 'commit' });
        // Runs in the page (tsconfig has no DOM lib: the string form keeps it plain).
        await page.evaluate(`location.href = ${JSON.stringify(r)}`);
        const asked = new URL((await request).url());
        await moved;
        expect({ r, origin: asked.origin }).toEqual({ r, origin });
        expect({ r, path: asked.pathname }).toEqual({ r, path: new URL(r, origin).pathname });
        expect({ r, landed: new URL(page.url()).origin }).toEqual({ r, landed: origin });
      }
    });
    expect(offOrigin).toEqual([]);
  });

  // One exploit through the SMS pages (the HTTP suite sends all three); all three through the passkey script below.
  it.each([[EXPLOIT_RETURN_TOS[0], 1] as const])(
    'ends on the app origin after an SMS form step-up asked with returnTo=%s',
    async (input, bench) => {
      const page = await newPage();
      await withScreenshot(page, `returnto-sms-${bench}`, async () => {
        await signIn(page, `bench-${bench}`, 'bench-password-123');
        await page.goto(`${origin}/auth/2fa?returnTo=${encodeURIComponent(input)}`);
        await page.goto(`${origin}/auth/2fa`);
        await page.getByRole('button', { name: /Text a code/ }).click();
        await page.waitForURL(/\/auth\/2fa\/sms$/);
        await page.fill('#sg-code', sms.lastCode());
        await page.click('form[action$="/sms/verify"] button');
        await page.waitForURL((url) => !url.pathname.startsWith('/auth/2fa'), { waitUntil: 'commit' });
        expect(new URL(page.url()).origin).toBe(origin);
      });
      expect(offOrigin).toEqual([]);
    },
  );

  it('ends on the app origin when the passkey script finishes a step-up asked with each exploit returnTo', async () => {
    const page = await newPage();
    const context = page.context();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await withScreenshot(page, 'returnto-passkey', async () => {
      // Enrol a passkey for alice (after an SMS step-up).
      await signIn(page, 'alice', 'alice-demo-password');
      await page.getByRole('button', { name: /Text a code/ }).click();
      await page.waitForURL(/\/auth\/2fa\/sms$/);
      await page.fill('#sg-code', sms.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/account$/);
      await page.goto(`${origin}/auth/2fa/factors`);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForSelector('#sg-passkeys li');

      const sameOrigin = safeReturnTo('/x/%2e%2e/transfer?from=%2F%2Fevil.example') as string;
      for (const input of [...EXPLOIT_RETURN_TOS, sameOrigin]) {
        await context.clearCookies(); // a new session; the passkey stays in the authenticator
        await signIn(page, 'alice', 'alice-demo-password');
        await page.goto(`${origin}/auth/2fa?returnTo=${encodeURIComponent(input)}`);
        await page.goto(`${origin}/auth/2fa`);
        await page.getByRole('button', { name: 'Use a passkey' }).click();
        await page.waitForURL((url) => !url.pathname.startsWith('/auth/2fa'), { waitUntil: 'commit' });
        const landed = new URL(page.url());
        expect({ input, origin: landed.origin }).toEqual({ input, origin });
        if (input === sameOrigin) expect(`${landed.pathname}${landed.search}`).toBe('/transfer?from=%2F%2Fevil.example');
      }
    });
    expect(offOrigin).toEqual([]);
  });
});
