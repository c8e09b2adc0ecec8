import { createTestApp, type TestApp } from '../helpers/createTestApp';

/**
 * Forward-auth rules are matched on the canonical form of the forwarded request: no spelling of
 * a stricter rule's host or path may fall through to a weaker rule. The session below stepped up
 * 301 s ago: fresh enough for `login` (12 h), too old for `factor_change` (300 s), so a 200 here
 * means "fell through to login" and a 401 challenge means "the stricter rule held".
 */
const RULES = [
  { host: 'payroll.example.test', pathPrefix: '/', action: 'factor_change' },
  { pathPrefix: '/admin', action: 'factor_change' },
  { pathPrefix: '/', action: 'login' },
];

describe('forward-auth matches rules on the canonical request', () => {
  let t: TestApp;
  let c: Awaited<ReturnType<TestApp['client']>>;

  async function steppedUp(forwardAuth: object = { rules: RULES }) {
    t = await createTestApp({ guardOptions: { forwardAuth } as never });
    c = await t.client();
    await c.stepUp();
    t.clock.advanceSeconds(301);
  }

  const original = (url: string) => c.agent.get('/auth/2fa/forward-auth').set('x-original-url', url);

  describe('with the default (case-insensitive) paths', () => {
    // One session for the whole block: asking forward-auth changes nothing a later check reads.
    beforeAll(() => steppedUp());

    it.each([
      ['a trailing dot on the host', 'http://payroll.example.test./run'],
      ['an explicit port on the host', 'http://payroll.example.test:1/run'],
      ['an upper-case host', 'http://PAYROLL.Example.TEST/run'],
      ['an upper-case path', 'http://app.example.test/ADMIN/payroll'],
      ['a mixed-case path', 'http://app.example.test/Admin/payroll'],
      ['dot segments', 'http://app.example.test/admin/../admin/x'],
      ['dot segments out of another directory', 'http://app.example.test/reports/../admin'],
      ['encoded dot segments', 'http://app.example.test/reports/%2e%2E/admin'],
      ['a repeated slash', 'http://app.example.test//admin'],
      ['repeated slashes inside', 'http://app.example.test/admin//x'],
      ['a percent-encoded letter', 'http://app.example.test/%61dmin'],
      ['backslashes', 'http://app.example.test/\\admin\\x'],
      ['a single-dot segment', 'http://app.example.test/./admin'],
      ['the bare prefix', 'http://app.example.test/admin'],
      ['a trailing slash', 'http://app.example.test/admin/'],
    ])('%s answers the stricter rule\'s challenge', async (_label, url) => {
      const res = await original(url).expect(401);
      expect(res.body.error).toMatchObject({ code: 'insufficient_user_authentication', action: 'factor_change' });
    });

    it.each([
      ['an encoded slash', 'http://app.example.test/admin%2fx'],
      ['an encoded upper-case slash', 'http://app.example.test/x/..%2F..%2Fadmin'],
      ['an encoded backslash', 'http://app.example.test/x%5c..%5cadmin'],
      ['an encoded NUL', 'http://app.example.test/admin%00'],
      ['an encoded control character', 'http://app.example.test/ad%0amin'],
      ['an encoded C1 control character', 'http://app.example.test/ad%C2%85min'],
      ['a malformed escape', 'http://app.example.test/%zzadmin'],
      ['a truncated escape', 'http://app.example.test/admin%2'],
      ['invalid UTF-8 (an overlong slash)', 'http://app.example.test/x%C0%AFadmin'],
      ['a port out of range', 'http://payroll.example.test:99999/run'],
      ['port 0', 'http://payroll.example.test:0/run'],
      ['an empty port', 'http://payroll.example.test:/run'],
      ['a non-numeric port', 'http://payroll.example.test:https/run'],
      ['user info before the host', 'http://user@payroll.example.test/run'],
      ['an empty host label', 'http://payroll..example.test/run'],
      ['a percent-encoded host', 'http://payroll%2eexample.test/run'],
      ['two hosts in one', 'http://payroll.example.test,app.example.test/run'],
      ['no host', 'http:///admin'],
      ['a scheme other than http(s)', 'ftp://payroll.example.test/run'],
    ])('%s is 400 invalid_request, never a weaker rule', async (_label, url) => {
      const res = await original(url).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: expect.any(String), problem: expect.any(String) });
    });

    it.each([
      ['a path outside every stricter rule', 'http://app.example.test/reports'],
      ['a longer first segment (segment boundary)', 'http://app.example.test/administrator'],
      ['a path decoded once only', 'http://app.example.test/%2561dmin'],
      ['a query naming the stricter path', 'http://app.example.test/reports?next=/admin'],
    ])('%s still gets the weaker rule', async (_label, url) => {
      await original(url).expect(200);
    });

    it('reads Traefik headers through the same canonical form', async () => {
      const traefik = (host: string, uri: string) =>
        c.agent.get('/auth/2fa/forward-auth').set('x-forwarded-proto', 'https').set('x-forwarded-host', host).set('x-forwarded-uri', uri);
      expect((await traefik('Payroll.Example.Test.', '/run').expect(401)).body.error.action).toBe('factor_change');
      expect((await traefik('app.example.test:8443', '//ADMIN/./x').expect(401)).body.error.action).toBe('factor_change');
      await traefik('app.example.test', '/admin%2Fx').expect(400);
      await traefik('app.example.test', 'admin').expect(400);
      await traefik('app.example.test', '/reports').expect(200);
      await c.agent.get('/auth/2fa/forward-auth').set('x-forwarded-proto', 'gopher').set('x-forwarded-host', 'app.example.test').set('x-forwarded-uri', '/reports').expect(400);
    });

    it('answers 400 to conflicting or repeated headers', async () => {
      // A client's own X-Forwarded-Host reaches the check through nginx next to X-Original-URL.
      const conflicting = await original('http://app.example.test/reports').set('x-forwarded-host', 'payroll.example.test').expect(400);
      expect(conflicting.body.error).toMatchObject({ code: 'invalid_request', field: 'X-Forwarded-Host' });
      await original('http://app.example.test/reports').set('x-forwarded-host', 'App.Example.Test.').expect(200);
      await original('http://app.example.test/reports').set('x-forwarded-uri', '/admin').expect(400);
      await original('http://app.example.test/reports').set('x-forwarded-uri', '//./reports').expect(200);
      const repeated = await c.agent.get('/auth/2fa/forward-auth').set('x-original-url', ['http://app.example.test/reports', 'http://payroll.example.test/run'] as never).expect(400);
      expect(repeated.body.error).toMatchObject({ code: 'invalid_request', field: 'X-Original-URL' });
      await c.agent.get('/auth/2fa/forward-auth').set('x-forwarded-host', ['app.example.test', 'payroll.example.test'] as never).set('x-forwarded-uri', '/reports').expect(400);
    });

    it('sends the browser back to the canonical URL', async () => {
      const other = await createTestApp({ guardOptions: { forwardAuth: { rules: RULES }, allowedReturnOrigins: ['http://payroll.example.test'] } as never });
      const browser = await other.client();
      await browser.login().expect(200);
      const res = await browser.agent.get('/auth/2fa/forward-auth').set('x-original-url', 'http://PAYROLL.example.test./a//b/../c?x=1').query({ mode: 'redirect' }).expect(302);
      expect(res.headers.location).toBe(`http://localhost:3000/auth/2fa?returnTo=${encodeURIComponent('http://payroll.example.test/a/c?x=1')}`);
    });
  });

  it('matches paths case-sensitively when the upstream does (forwardAuth.caseSensitivePaths)', async () => {
    await steppedUp({ rules: RULES, caseSensitivePaths: true });
    await original('http://app.example.test/ADMIN/payroll').expect(200);
    expect((await original('http://app.example.test/%61dmin//x').expect(401)).body.error.action).toBe('factor_change');
    // Host names are case-insensitive whatever the upstream does with paths.
    expect((await original('http://PAYROLL.example.test/run').expect(401)).body.error.action).toBe('factor_change');
  });

  it('matches a rule that names a port on that port only (the scheme default when none is given)', async () => {
    await steppedUp({ rules: [{ host: 'payroll.example.test:8443', pathPrefix: '/', action: 'factor_change' }, { host: 'app.example.test:443', pathPrefix: '/', action: 'factor_change' }, { pathPrefix: '/', action: 'login' }] });
    await original('https://payroll.example.test:8443/run').expect(401);
    await original('https://payroll.example.test./run').expect(200);
    await original('https://app.example.test/run').expect(401);
    await original('https://app.example.test:443/run').expect(401);
    await original('http://app.example.test/run').expect(200);
  });
});
