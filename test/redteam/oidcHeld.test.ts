import * as client from 'openid-client';
import { startOidcHost, type AuthorizationAttempt, type OidcHost } from '../helpers/oidcHostApp';
import type { CookieBrowser } from '../helpers/cookieBrowser';

const REAL_TIMERS = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] as const;
const advanceSeconds = (seconds: number) => jest.setSystemTime(Date.now() + seconds * 1000);

describe('red team: stepguard/oidc attacks that held', () => {
  let host: OidcHost;
  beforeAll(async () => {
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], now: Date.now() });
    host = await startOidcHost();
  });
  afterAll(async () => {
    await host?.close();
    jest.useRealTimers();
  });
  async function authorize(browser: CookieBrowser, params: Record<string, string> = {}) {
    const attempt = await host.rp.start(params);
    return { attempt, ...(await browser.follow(attempt.url, host.isCallback)) };
  }
  async function stepUpBySms(browser: CookieBrowser) {
    await browser.submit('/auth/2fa/sms/send', { _csrf: await browser.csrfToken() });
    return browser.submit('/auth/2fa/sms/verify', { code: host.sms.lastCode(), _csrf: await browser.csrfToken() }, host.isCallback);
  }
  async function tokensOf(callback: string | undefined, attempt: AuthorizationAttempt, options?: client.DPoPOptions) {
    if (!callback) throw new Error('no callback');
    return client.authorizationCodeGrant(host.rp.config, new URL(callback), attempt.checks, undefined, options);
  }

  it('an aal2 access token past its lifetime gets 401 at requireStepUpToken', async () => {
    const browser = await host.signedIn('alice');
    const { attempt } = await authorize(browser, { acr_values: 'aal2' });
    const tokens = await tokensOf((await stepUpBySms(browser)).stoppedAt, attempt);
    advanceSeconds(601);
    const after = await fetch(`${host.baseUrl}/api/sensitive`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(after.status).toBe(401);
  });

  it('userinfo carries no acr even when the claims parameter asks for it essentially, and a code is redeemed once', async () => {
    const browser = await host.signedIn('alice');
    const { attempt, stoppedAt } = await authorize(browser, { claims: JSON.stringify({ userinfo: { acr: { essential: true }, amr: null, auth_time: null } }) });
    const tokens = await tokensOf(stoppedAt, attempt);
    const info = await client.fetchUserInfo(host.rp.config, tokens.access_token, client.skipSubjectCheck);
    expect(info.acr).toBeUndefined();
    await expect(tokensOf(stoppedAt, attempt)).rejects.toThrow();
  });
});
