import * as client from 'openid-client';
import type { CookieBrowser } from '../helpers/cookieBrowser';
import { advanceSeconds, useOidcHost, TRUSTED_UPSTREAM, UNTRUSTED_UPSTREAM, type AuthorizationAttempt } from '../helpers/oidcHostApp';

describe('stepguard/oidc: step-up inside oidc-provider, openid-client as the relying party', () => {
  const oidc = useOidcHost();
  const { authorize, stepUpBySms } = oidc;

  async function idTokenOf(callback: string | undefined, attempt: AuthorizationAttempt) {
    if (!callback) throw new Error('the provider did not come back to the client');
    const tokens = await oidc.host.rp.finish(callback, attempt);
    return { tokens, claims: tokens.claims() as Record<string, unknown> };
  }

  it('advertises acr, amr and auth_time, and our levels and aliases as acr_values_supported', () => {
    const metadata = oidc.host.rp.config.serverMetadata();
    expect(metadata.acr_values_supported).toEqual(['aal1', 'aal2', 'aal2-phr', 'urn:example:mfa']);
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr', 'auth_time']));
    expect(metadata.claims_parameter_supported).toBe(true);
  });

  it('a password sign-in gives acr=aal1, amr=["pwd"] and the sign-in time as auth_time', async () => {
    const browser = await oidc.host.signedIn('alice');
    const signedInAt = Math.floor(Date.now() / 1000);
    advanceSeconds(5);
    const { attempt, stoppedAt } = await authorize(browser);
    const { claims } = await idTokenOf(stoppedAt, attempt);
    expect(claims).toMatchObject({ acr: 'aal1', amr: ['pwd'], auth_time: signedInAt, sub: 'u-alice' });
  });

  it('sends a browser that is not signed in to the host login page, and back to the interaction', async () => {
    const { CookieBrowser } = await import('../helpers/cookieBrowser');
    const browser = new CookieBrowser(oidc.host.baseUrl);
    const { attempt, final } = await authorize(browser);
    expect(final.location ?? final.url).toMatch(/\/login\?returnTo=%2Foidc%2Finteraction%2F/);
    const returnTo = decodeURIComponent(/returnTo=([^&]+)/.exec(final.location ?? final.url)?.[1] ?? '');
    const login = await browser.submit('/login', { username: 'alice', password: 'alice-password-123', returnTo }, oidc.host.isCallback);
    const { claims } = await idTokenOf(login.stoppedAt, attempt);
    expect(claims).toMatchObject({ acr: 'aal1', amr: ['pwd'] });
  });

  it('acr_values=aal2 leads to the step-up page; after the SMS code the ID token says aal2 with sms and mfa', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { attempt, final, stoppedAt } = await authorize(browser, { acr_values: 'aal2' });
    expect(stoppedAt).toBeUndefined();
    expect(new URL(final.url).pathname).toBe('/auth/2fa');
    expect(final.text).toContain('Text a code');
    const done = await stepUpBySms(browser);
    const smsAt = Math.floor(Date.now() / 1000);
    const { claims } = await idTokenOf(done.stoppedAt, attempt);
    expect(claims.acr).toBe('aal2');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
    expect(claims.auth_time).toBe(smsAt);
  });

  it('an alias stands for its level and is what the ID token says', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { attempt } = await authorize(browser, { acr_values: 'urn:example:mfa' });
    const done = await stepUpBySms(browser);
    const { claims } = await idTokenOf(done.stoppedAt, attempt);
    expect(claims.acr).toBe('urn:example:mfa');
  });

  it('an essential acr claim is stepped up to like acr_values', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { attempt, final } = await authorize(browser, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['aal2'] } } }) });
    expect(new URL(final.url).pathname).toBe('/auth/2fa');
    const done = await stepUpBySms(browser);
    const { claims } = await idTokenOf(done.stoppedAt, attempt);
    expect(claims.acr).toBe('aal2');
  });

  it('a session already at aal2 is not asked again', async () => {
    const browser = await oidc.host.signedIn('alice');
    const first = await authorize(browser, { acr_values: 'aal2' });
    await idTokenOf((await stepUpBySms(browser)).stoppedAt, first.attempt);
    const sent = oidc.host.sms.messages.length;
    const again = await authorize(browser, { acr_values: 'aal2' });
    const { claims } = await idTokenOf(again.stoppedAt, again.attempt);
    expect(claims.acr).toBe('aal2');
    expect(oidc.host.sms.messages).toHaveLength(sent);
  });

  it('acr_values=aal2-phr with only SMS enrolled ends with unmet_authentication_requirements, never the step-up page', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { attempt, stoppedAt, hops } = await authorize(browser, { acr_values: 'aal2-phr' });
    expect(hops.some((url) => new URL(url).pathname.startsWith('/auth/2fa'))).toBe(false);
    expect(new URL(stoppedAt as string).searchParams.get('error')).toBe('unmet_authentication_requirements');
    await expect(idTokenOf(stoppedAt, attempt)).rejects.toMatchObject({ error: 'unmet_authentication_requirements' });
  });

  it('acr_values=aal2-phr with a passkey enrolled: the factor page offers the passkey, not SMS', async () => {
    await oidc.host.stores.factors.add({
      id: 'pk-bob',
      userId: 'u-bob',
      type: 'webauthn',
      label: 'Security key',
      createdAtMs: Date.now(),
      lastUsedAtMs: null,
      data: { credentialId: 'cred-bob', publicKey: 'unused', counter: 0, transports: ['usb'], backedUp: false },
    });
    const browser = await oidc.host.signedIn('bob');
    const { final, stoppedAt } = await authorize(browser, { acr_values: 'aal2-phr' });
    expect(stoppedAt).toBeUndefined();
    expect(new URL(final.url).pathname).toBe('/auth/2fa');
    expect(final.text).not.toContain('Text a code');
    const methods = JSON.parse((await browser.request('GET', '/auth/2fa/methods', undefined, { accept: 'application/json' })).text);
    expect(methods.acceptableFactors).toEqual(['hwk', 'swk']);
    expect(methods.available.map((f: { factor: string }) => f.factor)).toEqual(['hwk']);
  });

  it('never a loop: coming back to the interaction without the factor, the client gets an error after three trips', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { hops } = await authorize(browser, { acr_values: 'aal2' });
    const interaction = hops.find((url) => new URL(url).pathname.startsWith('/oidc/interaction/')) as string;
    for (let trip = 2; trip <= 3; trip++) expect((await browser.get(interaction)).location).toBe(`${oidc.host.baseUrl}/auth/2fa`);
    const { stoppedAt } = await browser.follow(interaction, oidc.host.isCallback);
    expect(new URL(stoppedAt as string).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('an essential acr this provider does not know ends with unmet_authentication_requirements', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { stoppedAt } = await authorize(browser, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:nobody:knows' } } }) });
    expect(new URL(stoppedAt as string).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('max_age=60 two minutes after the step-up asks for a step-up again; auth_time is the new one', async () => {
    const browser = await oidc.host.signedIn('alice');
    const first = await authorize(browser, { acr_values: 'aal2' });
    await idTokenOf((await stepUpBySms(browser)).stoppedAt, first.attempt);
    advanceSeconds(120);
    const { attempt, final } = await authorize(browser, { acr_values: 'aal2', max_age: '60' });
    expect(new URL(final.url).pathname).toBe('/auth/2fa');
    const done = await stepUpBySms(browser);
    const { claims } = await idTokenOf(done.stoppedAt, attempt);
    expect(claims.auth_time).toBe(Math.floor(Date.now() / 1000));
    expect(claims.acr).toBe('aal2');
  });

  it('max_age with no second factor enrolled sends the user to sign in again with the password', async () => {
    const browser = await oidc.host.signedIn('carol');
    advanceSeconds(120);
    const { attempt, final } = await authorize(browser, { max_age: '60' });
    const location = final.location ?? final.url;
    expect(location).toMatch(/\/login\?returnTo=%2Foidc%2Finteraction%2F/);
    const returnTo = decodeURIComponent(/returnTo=([^&]+)/.exec(location)?.[1] ?? '');
    const login = await browser.submit('/login', { username: 'carol', password: 'carol-password-123', returnTo }, oidc.host.isCallback);
    const { claims } = await idTokenOf(login.stoppedAt, attempt);
    expect(claims).toMatchObject({ acr: 'aal1', amr: ['pwd'], auth_time: Math.floor(Date.now() / 1000) });
  });

  it('RFC 9470: the API answers insufficient_user_authentication, the client comes back for aal2 and gets through', async () => {
    const browser = await oidc.host.signedIn('alice');
    const plain = await authorize(browser);
    const { tokens } = await idTokenOf(plain.stoppedAt, plain.attempt);
    const api = new URL('/api/sensitive', oidc.host.baseUrl);
    const refused = await client.fetchProtectedResource(oidc.host.rp.config, tokens.access_token, api, 'POST').then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const challenge = (refused as client.WWWAuthenticateChallengeError).cause[0];
    expect(challenge?.parameters).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'aal2', max_age: '300' });

    const again = await authorize(browser, { acr_values: String(challenge?.parameters.acr_values), max_age: String(challenge?.parameters.max_age) });
    expect(new URL(again.final.url).pathname).toBe('/auth/2fa');
    const { tokens: stronger } = await idTokenOf((await stepUpBySms(browser)).stoppedAt, again.attempt);
    const answer = await client.fetchProtectedResource(oidc.host.rp.config, stronger.access_token, api, 'POST');
    expect(answer.status).toBe(200);
    await expect(answer.json()).resolves.toEqual({ ok: true, user: 'u-alice' });
  });

  describe('MFA done at an upstream identity provider (guard.firstFactor({ upstream }))', () => {
    async function upstreamSignIn(issuer: string): Promise<CookieBrowser> {
      const { CookieBrowser } = await import('../helpers/cookieBrowser');
      const browser = new CookieBrowser(oidc.host.baseUrl);
      const answer = await browser.request('POST', '/login/upstream', { username: 'bob', issuer, amr: 'pwd otp', authTime: String(Math.floor(Date.now() / 1000) - 30), returnTo: '/' });
      expect(answer.status).toBe(303);
      return browser;
    }

    it('from a trusted issuer satisfies login, and acr_values=aal2 without a step-up', async () => {
      const browser = await upstreamSignIn(TRUSTED_UPSTREAM);
      const account = await browser.request('GET', '/account', undefined, { accept: 'application/json' });
      expect(account.status).toBe(200);
      const { attempt, stoppedAt } = await authorize(browser, { acr_values: 'aal2' });
      const { claims } = await idTokenOf(stoppedAt, attempt);
      expect(claims.acr).toBe('aal2');
      expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    });

    it('from an untrusted issuer counts as a password only', async () => {
      const browser = await upstreamSignIn(UNTRUSTED_UPSTREAM);
      const account = await browser.request('GET', '/account', undefined, { accept: 'application/json' });
      expect(account.status).toBe(401);
      expect(JSON.parse(account.text).error.code).toBe('insufficient_user_authentication');
      const { final, stoppedAt } = await authorize(browser, { acr_values: 'aal2' });
      expect(stoppedAt).toBeUndefined();
      expect(new URL(final.url).pathname).toBe('/auth/2fa');
    });
  });
});
