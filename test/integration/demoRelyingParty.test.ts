import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createDemoApp } from '../../src/demo/createDemoApp';
import { CookieBrowser } from '../helpers/cookieBrowser';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';

/**
 * The demo as an OpenID Connect provider (issue #13 item 4), driven like a browser over HTTP:
 * its relying-party page signs in through /oidc, shows the ID token's acr/amr/auth_time, and its
 * "do something sensitive" button meets the API's RFC 9470 challenge, steps up and gets through.
 */
describe('the demo relying party (/rp) through the demo provider (/oidc)', () => {
  let server: Server;
  let baseUrl: string;
  const sms = new RecordingSmsProvider();

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { app } = await createDemoApp({
      appOrigin: baseUrl,
      oidc: {},
      smsProvider: sms,
      logger: pino({ level: 'silent' }),
      environment: 'test',
      sessionSecret: 'demo-rp-test-session-secret-long-enough-0123456789',
      pepper: 'demo-rp-test-pepper-that-is-long-enough-0123456789',
      guardOptions: { sms: { pumping: { mode: 'observe' } } },
    });
    server.on('request', app);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const rpText = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];

  /** From the RP's sign-in link to the demo login page, signed in as alice, back on /rp. */
  async function signInThroughRp(browser: CookieBrowser, link = '/rp/login') {
    const toLogin = await browser.follow(link);
    expect(new URL(toLogin.final.url).pathname).toBe('/login');
    const returnTo = new URL(toLogin.final.url).searchParams.get('returnTo') as string;
    expect(returnTo).toMatch(/^\/oidc\/interaction\//);
    return browser.submit('/auth/login', { username: 'alice', password: 'alice-demo-password', returnTo, _csrf: await browser.csrfToken('/auth') });
  }

  it('signs in with the password only: the page shows acr aal1, amr pwd and auth_time', async () => {
    const browser = new CookieBrowser(baseUrl);
    const done = await signInThroughRp(browser);
    expect(new URL(done.final.url).pathname).toBe('/rp');
    expect(rpText(done.final.text, 'rp-acr')).toBe('aal1');
    expect(rpText(done.final.text, 'rp-amr')).toBe('pwd');
    expect(rpText(done.final.text, 'rp-auth-time')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rpText(done.final.text, 'rp-sub')).toBe('alice');
  });

  it('"do something sensitive": RFC 9470 401, back through the provider with acr_values=aal2, SMS, then the API answers', async () => {
    const browser = new CookieBrowser(baseUrl);
    await signInThroughRp(browser);
    const refused = await browser.submit('/rp/sensitive', { _csrf: await browser.csrfToken('/auth') });
    const authorize = refused.hops.find((url) => new URL(url).pathname === '/oidc/auth') as string;
    expect(new URL(authorize).searchParams.get('acr_values')).toBe('aal2');
    expect(new URL(authorize).searchParams.get('max_age')).toBe('300');
    expect(new URL(refused.final.url).pathname).toBe('/auth/2fa');

    await browser.submit('/auth/2fa/sms/send', { _csrf: await browser.csrfToken() });
    const done = await browser.submit('/auth/2fa/sms/verify', { code: sms.lastCode(), _csrf: await browser.csrfToken() });
    expect(new URL(done.final.url).pathname).toBe('/rp');
    expect(rpText(done.final.text, 'rp-acr')).toBe('aal2');
    expect(rpText(done.final.text, 'rp-amr')).toBe('pwd, sms, mfa');
    expect(done.final.text).toContain('id="rp-result"');
    expect(done.final.text).toContain('something sensitive');
    expect(done.final.text).not.toContain('id="rp-error"');
  });

  it('asking for aal2-phr with only SMS enrolled shows the provider\'s unmet_authentication_requirements', async () => {
    const browser = new CookieBrowser(baseUrl);
    const done = await signInThroughRp(browser, '/rp/login?acr_values=aal2-phr');
    expect(new URL(done.final.url).pathname).toBe('/rp');
    expect(done.final.text).toMatch(/id="rp-error"><strong>unmet_authentication_requirements<\/strong>/);
    expect(done.final.text).not.toContain('id="rp-acr"');
  });

  it('serves discovery and JWKS under /oidc', async () => {
    const browser = new CookieBrowser(baseUrl);
    const discovery = JSON.parse((await browser.get('/oidc/.well-known/openid-configuration')).text);
    expect(discovery).toMatchObject({ issuer: `${baseUrl}/oidc`, acr_values_supported: ['aal1', 'aal2', 'aal2-phr', 'urn:stepguard:demo:mfa'] });
    const jwks = JSON.parse((await browser.get('/oidc/jwks')).text);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
