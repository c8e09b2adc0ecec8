import { advanceSeconds, useOidcHost, type AuthorizationAttempt } from '../helpers/oidcHostApp';

const pathOf = (url: string) => new URL(url).pathname;

describe('stepguard/oidc against an attacker', () => {
  const oidc = useOidcHost();
  const { authorize, stepUpBySms } = oidc;

  async function claimsOf(callback: string | undefined, attempt: AuthorizationAttempt): Promise<Record<string, unknown>> {
    if (!callback) throw new Error('no callback');
    return (await oidc.host.rp.finish(callback, attempt)).claims() as Record<string, unknown>;
  }
  /** The client got a code (whatever it would say), not an error. */
  const gotCode = (callback: string | undefined) => Boolean(callback && new URL(callback).searchParams.get('code'));
  /** An aal2 sign-in at the provider: the provider's own session cookie then says aal2 too. */
  async function aal2Session(user: 'alice' | 'bob' = 'alice') {
    const browser = await oidc.host.signedIn(user);
    const first = await authorize(browser, { acr_values: 'aal2' });
    const claims = await claimsOf((await stepUpBySms(browser)).stoppedAt, first.attempt);
    expect(claims.acr).toBe('aal2');
    return browser;
  }

  describe('an acr the user did not reach never appears in a token', () => {
    it('the provider session says aal2, but stepguard was signed out and in again with a password: the token says aal1', async () => {
      const browser = await aal2Session();
      await browser.submit('/logout', {});
      const login = await browser.request('POST', '/login', { username: 'alice', password: 'alice-password-123', returnTo: '/' });
      expect(login.status).toBe(303);
      const { attempt, stoppedAt } = await authorize(browser);
      const claims = await claimsOf(stoppedAt, attempt);
      expect(claims.acr).toBe('aal1');
      expect(claims.amr).toEqual(['pwd']);
    });

    it('with prompt=none the same session gets an error, not a code', async () => {
      const browser = await aal2Session();
      await browser.submit('/logout', {});
      await browser.request('POST', '/login', { username: 'alice', password: 'alice-password-123', returnTo: '/' });
      const { stoppedAt } = await authorize(browser, { prompt: 'none' });
      expect(gotCode(stoppedAt)).toBe(false);
      expect(new URL(stoppedAt as string).searchParams.get('error')).toBe('login_required');
    });

    it('an essential acr=aal2 with prompt=none at aal1 is refused', async () => {
      const browser = await oidc.host.signedIn('alice');
      const { stoppedAt } = await authorize(browser, { prompt: 'none', claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'aal2' } } }) });
      expect(gotCode(stoppedAt)).toBe(false);
    });

    it('of several acr_values, the token names one the session reached, not the first asked for', async () => {
      const browser = await oidc.host.signedIn('alice');
      const { attempt } = await authorize(browser, { acr_values: 'aal2-phr aal2' });
      const claims = await claimsOf((await stepUpBySms(browser)).stoppedAt, attempt);
      expect(claims.acr).toBe('aal2');
    });
  });

  describe('a stale session does not get a fresh auth_time', () => {
    it('past max_age, the provider asks for a factor before any code, and auth_time is that factor\'s time', async () => {
      const browser = await aal2Session();
      const before = Math.floor(Date.now() / 1000);
      advanceSeconds(120);
      const { attempt, final, stoppedAt } = await authorize(browser, { acr_values: 'aal2', max_age: '60' });
      expect(stoppedAt).toBeUndefined();
      expect(pathOf(final.url)).toBe('/auth/2fa');
      advanceSeconds(7);
      const done = await stepUpBySms(browser);
      const claims = await claimsOf(done.stoppedAt, attempt);
      expect(claims.auth_time).toBe(before + 127);
    });

    it('past max_age with prompt=none: an error, not a code', async () => {
      const browser = await aal2Session();
      advanceSeconds(120);
      const { stoppedAt } = await authorize(browser, { acr_values: 'aal2', max_age: '60', prompt: 'none' });
      expect(gotCode(stoppedAt)).toBe(false);
    });

    it('a password sign-in past max_age is not reported as fresh', async () => {
      const browser = await oidc.host.signedIn('carol');
      advanceSeconds(120);
      const { final, stoppedAt } = await authorize(browser, { max_age: '60' });
      expect(gotCode(stoppedAt)).toBe(false);
      expect(final.location ?? final.url).toMatch(/\/login\?returnTo=/);
    });
  });

  describe("another user's interaction", () => {
    /** Bob, signed in with a password, asks for aal2: his interaction waits at the factor page. */
    async function bobsPendingInteraction() {
      const bob = await oidc.host.signedIn('bob');
      const walk = await authorize(bob, { acr_values: 'aal2' });
      expect(pathOf(walk.final.url)).toBe('/auth/2fa');
      const uid = walk.hops.map(pathOf).find((p) => p.startsWith('/oidc/interaction/'))?.split('/').pop() as string;
      expect(uid).toBeTruthy();
      return { bob, uid, attempt: walk.attempt };
    }

    it('is not finished by a session that does not hold its cookie', async () => {
      const { uid } = await bobsPendingInteraction();
      const alice = await aal2Session();
      const answer = await alice.get(`/oidc/interaction/${uid}`);
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
    });

    it('is not finished when the session sends its own interaction cookie to the other uid', async () => {
      const { uid } = await bobsPendingInteraction();
      const alice = await oidc.host.signedIn('alice');
      const own = await authorize(alice, { acr_values: 'aal2' });
      expect(pathOf(own.final.url)).toBe('/auth/2fa');
      const forged = [...alice.cookiesNamed(/^(host\.sid|_interaction(\.sig)?)$/)].join('; ');
      const answer = await alice.request('GET', `/oidc/interaction/${uid}`, undefined, { cookie: forged });
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
    });

    it("never yields a code for someone else's account, only for the one who stepped up", async () => {
      const { bob, attempt } = await bobsPendingInteraction();
      const alice = await aal2Session();
      const interactions = await alice.follow((await oidc.host.rp.start({ acr_values: 'aal2' })).url, oidc.host.isCallback);
      expect(interactions.stoppedAt).toBeDefined();
      const claims = await claimsOf((await stepUpBySms(bob)).stoppedAt, attempt);
      expect(claims.sub).toBe('u-bob');
    });
  });

  describe('a revoked session', () => {
    it('signed out everywhere mid-interaction cannot finish it', async () => {
      const device = await oidc.host.signedIn('alice');
      const walk = await authorize(device, { acr_values: 'aal2' });
      expect(pathOf(walk.final.url)).toBe('/auth/2fa');
      const interaction = walk.hops.find((url) => pathOf(url).startsWith('/oidc/interaction/')) as string;
      await device.submit('/auth/2fa/sms/send', { _csrf: await device.csrfToken() });
      const code = oidc.host.sms.lastCode();
      const csrf = await device.csrfToken();
      const other = await oidc.host.signedIn('alice');
      await other.submit('/logout', { everywhere: 'yes' });
      // Straight back to the interaction: no stepguard route has seen this session since.
      const back = await device.get(interaction);
      expect(back.status).toBe(303);
      expect(back.location).toBe(`${oidc.host.baseUrl}/login?returnTo=${encodeURIComponent(pathOf(interaction))}`);
      const verify = await device.submit('/auth/2fa/sms/verify', { code, _csrf: csrf }, oidc.host.isCallback);
      expect(gotCode(verify.stoppedAt)).toBe(false);
    });

    it('a copy of the cookies of a session signed out everywhere gets no code, though its provider session cookie is still there', async () => {
      const laptop = await aal2Session();
      const thief = laptop.clone();
      const phone = await oidc.host.signedIn('alice');
      await phone.submit('/logout', { everywhere: 'yes' });
      expect(thief.cookieNames()).toEqual(expect.arrayContaining(['_session', 'host.sid']));
      const { stoppedAt, final } = await authorize(thief);
      expect(gotCode(stoppedAt)).toBe(false);
      expect(final.location ?? final.url).toMatch(/\/login\?returnTo=/);
    });

    it('after a plain sign-out the copy gets no code either', async () => {
      const alice = await aal2Session();
      const thief = alice.clone();
      await alice.submit('/logout', {});
      const { stoppedAt } = await authorize(thief);
      expect(gotCode(stoppedAt)).toBe(false);
    });
  });
});
