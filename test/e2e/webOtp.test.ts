import type { Page } from 'playwright-core';
import { describeWithBrowser, withScreenshot } from '../helpers/browser';
import { browserAgainstTestApp } from '../helpers/browserSuite';

/** What the stubbed WebOTP API saw, read back from the page. */
type OtpProbe = { calls: number; transport: unknown; hasSignal: boolean; aborted: boolean };

// The page-side globals the stub sets; declared here rather than adding the DOM library to the project.
declare const window: {
  __sgOtp?: OtpProbe & { resolve(value: unknown): void; reject(error: unknown): void };
  __sgOtpMode?: string;
};
declare const sessionStorage: { getItem(key: string): string | null };

/**
 * Chromium's WebOTP API as the page sees it, stubbed before any script runs: `OTPCredential`
 * exists and `navigator.credentials.get({ otp })` waits until the test "receives the SMS"
 * (resolves it), honours its AbortSignal, and records what it was asked. With `none`, the browser
 * has no WebOTP; with `refuse`, it rejects at once as a browser that cannot read SMS does.
 */
function webOtpStub(mode: 'wait' | 'refuse' | 'none'): string {
  return `(() => {
    const mode = ${JSON.stringify(mode)};
    const probe = { calls: 0, transport: null, hasSignal: false, aborted: false };
    window.__sgOtpCalls = probe;
    // Desktop Chromium has OTPCredential of its own; 'none' takes it away, as in Firefox or Safari.
    if (mode === 'none') delete window.OTPCredential;
    else window.OTPCredential = function OTPCredential() {};
    const get = (options) => {
      probe.calls += 1;
      if (!options || !options.otp) return Promise.reject(new DOMException('not an OTP request', 'NotSupportedError'));
      probe.transport = options.otp.transport;
      probe.hasSignal = options.signal instanceof AbortSignal;
      if (mode === 'refuse') return Promise.reject(new DOMException('no SMS', 'NotAllowedError'));
      return new Promise((resolve, reject) => {
        window.__sgOtp = Object.assign(probe, { resolve, reject });
        if (options.signal) options.signal.addEventListener('abort', () => {
          probe.aborted = true;
          sessionStorage.setItem('sgOtpAborted', 'yes');
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    };
    if (!navigator.credentials) Object.defineProperty(navigator, 'credentials', { value: {}, configurable: true });
    Object.defineProperty(navigator.credentials, 'get', { value: get, configurable: true });
  })();`;
}

describeWithBrowser('WebOTP on the SMS code page (Chromium, API stubbed in the page)', () => {
  // Falling back is silent: no script error on any page (browserAgainstTestApp's afterEach).
  const suite = browserAgainstTestApp();

  async function smsPage(mode: 'wait' | 'refuse' | 'none'): Promise<Page> {
    const context = await suite.newContext();
    await context.addInitScript({ content: webOtpStub(mode) });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    suite.watch(page);
    await page.goto(`${suite.base}/login?returnTo=%2Faccount`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-password');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/auth\/2fa\?returnTo=%2Faccount$/);
    expect(await page.evaluate(() => (window as unknown as { __sgOtpCalls: OtpProbe }).__sgOtpCalls.calls)).toBe(0);
    await page.getByRole('button', { name: /Text a code to/ }).click();
    await page.waitForURL(/\/auth\/2fa\/sms$/);
    return page;
  }

  /** The browser's side of WebOTP: the last line of the SMS names the host and the code. */
  function smsWebOtpLine(): { host: string; code: string } {
    const match = /\n@(\S+) #(\d+)$/.exec(suite.t.sms.messages.at(-1)?.body ?? '');
    if (!match) throw new Error(`the SMS has no WebOTP line: ${suite.t.sms.messages.at(-1)?.body}`);
    return { host: match[1] as string, code: match[2] as string };
  }

  const waitForRequest = (page: Page) => page.waitForFunction(() => Boolean(window.__sgOtp));
  const probe = (page: Page) => page.evaluate(() => ({ calls: window.__sgOtp?.calls, transport: window.__sgOtp?.transport, hasSignal: window.__sgOtp?.hasSignal, aborted: window.__sgOtp?.aborted }));

  it('asks for the SMS code, fills it in and submits: the step-up completes without typing', async () => {
    const page = await smsPage('wait');
    await withScreenshot(page, 'webotp-autofill', async () => {
      await waitForRequest(page);
      expect(await probe(page)).toEqual({ calls: 1, transport: ['sms'], hasSignal: true, aborted: false });
      const line = smsWebOtpLine();
      expect(line.host).toBe('localhost'); // appOrigin http://localhost:3000: the host, never the port
      expect(line.code).toBe(suite.t.sms.lastCode());
      await page.evaluate((code) => window.__sgOtp?.resolve({ type: 'otp', id: '', code }), line.code);
      await page.waitForURL(/\/account$/);
    });
  });

  it('stops when the user types: a code arriving afterwards changes nothing', async () => {
    const page = await smsPage('wait');
    await withScreenshot(page, 'webotp-abort-typing', async () => {
      await waitForRequest(page);
      await page.focus('#sg-code');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Shift+Tab');
      expect((await probe(page)).aborted).toBe(false); // moving focus is not typing
      await page.keyboard.type('12');
      expect((await probe(page)).aborted).toBe(true);
      await page.evaluate((code) => window.__sgOtp?.resolve({ type: 'otp', id: '', code }), suite.t.sms.lastCode());
      await page.waitForTimeout(300);
      expect(page.url()).toMatch(/\/auth\/2fa\/sms$/);
      expect(await page.inputValue('#sg-code')).toBe('12');
      // The user finishes by hand.
      await page.fill('#sg-code', suite.t.sms.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/account$/);
    });
  });

  it('stops when the user leaves the page', async () => {
    const page = await smsPage('wait');
    await withScreenshot(page, 'webotp-abort-leaving', async () => {
      await waitForRequest(page);
      await page.goto(`${suite.base}/`);
      expect(await page.evaluate(() => sessionStorage.getItem('sgOtpAborted'))).toBe('yes');
    });
  });

  it('ignores an answer that is not a code of the expected length', async () => {
    const page = await smsPage('wait');
    await withScreenshot(page, 'webotp-malformed', async () => {
      await waitForRequest(page);
      await page.evaluate(() => window.__sgOtp?.resolve({ type: 'otp', id: '', code: '12ab' }));
      await page.waitForTimeout(300);
      expect(page.url()).toMatch(/\/auth\/2fa\/sms$/);
      expect(await page.inputValue('#sg-code')).toBe('');
    });
  });

  it.each(['refuse', 'none'] as const)('falls back silently (WebOTP: %s): the code is typed as usual', async (mode) => {
    const page = await smsPage(mode);
    await withScreenshot(page, `webotp-fallback-${mode}`, async () => {
      const calls = await page.evaluate(() => (window as unknown as { __sgOtpCalls: OtpProbe }).__sgOtpCalls.calls);
      expect(calls).toBe(mode === 'none' ? 0 : 1);
      expect(await page.locator('[role=alert]').count()).toBe(0);
      await page.fill('#sg-code', suite.t.sms.lastCode());
      await page.click('form[action$="/sms/verify"] button');
      await page.waitForURL(/\/account$/);
    });
  });
});
