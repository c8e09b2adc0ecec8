import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';
import { PAGE_LOCALES, pageText } from '../../src/core/messages/pageText';
import { totpCodeAt } from '../../src/core/totp/totp';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

type GuardOptions = NonNullable<Parameters<typeof createTestApp>[0]>['guardOptions'];
/** Options the demo's guardOptions type does not list yet (pages, getUserLocale); the demo passes them through. */
const extra = (options: Record<string, unknown>) => options as GuardOptions;

/** The HTML side of a test client: pages and form posts, as a browser sends them. */
async function browserLike(t: TestApp, acceptLanguage?: string) {
  const c = await t.client();
  const lang = (r: ReturnType<typeof c.agent.get>) => (acceptLanguage ? r.set('accept-language', acceptLanguage) : r);
  return {
    c,
    page: (path: string) => lang(c.agent.get(path).set('accept', 'text/html')),
    form: (path: string, fields: Record<string, string> = {}) =>
      lang(c.agent.post(path).type('form').set('accept', 'text/html').send({ _csrf: c.csrfToken, ...fields })),
  };
}

const h1Of = (html: string) => /<h1>([^<]*)<\/h1>/.exec(html)?.[1];

describe('pages inside the host: layout, links, language', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('renders each page inside the host EJS layout given as pages.layoutFile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-layout-'));
    const layoutFile = join(dir, 'layout.ejs');
    writeFileSync(layoutFile, '<!doctype html><html lang="<%= lang %>"><head><title>Host · <%= title %></title></head><body><header id="host-header">Host app</header><main><%- body %></main></body></html>');
    t = await createTestApp({ guardOptions: extra({ pages: { layoutFile } }) });
    const { c, page } = await browserLike(t);
    await c.stepUp();
    for (const path of ['/auth/2fa', '/auth/2fa/factors', '/auth/2fa/phone', '/auth/2fa/nothing-here']) {
      const res = await page(path);
      expect(res.text).toContain('<header id="host-header">Host app</header>');
      expect(res.text.match(/<html/g)).toHaveLength(1);
      expect(res.text).toMatch(/<main><link rel="stylesheet" href="\/auth\/2fa\/assets\/stepguard.css">\s*<div class="sg-root" lang="en"/);
    }
    expect((await page('/auth/2fa')).text).toContain('<title>Host · Verify it’s you</title>');
    expect((await page('/auth/2fa/nothing-here').expect(404)).text).toContain('<title>Host · Something needs attention</title>');
  });

  it('hands each page to the pages.render hook with body, title and lang', async () => {
    const seen: string[] = [];
    const render = async (view: string, locals: { body: string; title: string; lang: string }) => {
      seen.push(view);
      return `<!doctype html><html lang="${locals.lang}"><title>${locals.title}</title><body data-host-view="${view}"><nav>host nav</nav>${locals.body}</body></html>`;
    };
    t = await createTestApp({ guardOptions: extra({ pages: { render } }) });
    const { c, page } = await browserLike(t, 'de');
    await c.stepUp();
    const factors = await page('/auth/2fa/factors').expect(200);
    expect(factors.text).toContain('<body data-host-view="factors"><nav>host nav</nav>');
    expect(factors.text).toContain('<html lang="de"><title>Anmeldemethoden</title>');
    expect(h1Of(factors.text)).toBe('Anmeldemethoden');
    await page('/auth/2fa').expect(200);
    expect(seen).toEqual(['factors', 'choose']);
  });

  it('links out to the host pages it is given, and sends sign-ins to pages.links.login with returnTo', async () => {
    t = await createTestApp({ guardOptions: extra({ pages: { links: { home: '/start', account: '/me', login: '/signin' } } }) });
    const { c, page } = await browserLike(t);
    const signedOut = await page('/auth/2fa/factors').expect(303);
    expect(signedOut.headers.location).toBe('/signin?returnTo=%2Fauth%2F2fa%2Ffactors');
    // The guard's own redirect (requireStepUp) uses the same login page.
    expect(t.guard.config.http.loginPath).toBe('/signin');
    await c.stepUp();
    const factors = await page('/auth/2fa/factors').expect(200);
    expect(factors.text).toContain('<a href="/me">Back to your account</a>');
    expect(factors.text).not.toContain('href="/account"');
    expect((await page('/auth/2fa/phone').expect(200)).text).toContain('<a href="/me">Back to your account</a>');
    expect((await page('/auth/2fa/nothing-here').expect(404)).text).toContain('<a href="/start">Back to the start</a>');
  });

  it.each(PAGE_LOCALES)('writes the pages in %s when the browser asks for it', async (locale) => {
    t = await createTestApp();
    const { c, page } = await browserLike(t, `${locale};q=0.9, zz;q=0.5`);
    await c.stepUp();
    const choose = await page('/auth/2fa').expect(200);
    expect(h1Of(choose.text)).toBe(pageText(locale, 'page.choose.title'));
    expect(choose.text).toContain(`lang="${locale}"`);
    const factors = await page('/auth/2fa/factors').expect(200);
    expect(h1Of(factors.text)).toBe(pageText(locale, 'page.factors.title'));
    expect(factors.text).toContain(`<h2>${pageText(locale, 'factors.backup.heading')}</h2>`);
  });

  it('prefers the user’s own language setting over Accept-Language', async () => {
    t = await createTestApp({ guardOptions: extra({ getUserLocale: (req: Request) => ((req as Request & { user?: { username?: string } }).user ? 'fr' : undefined) }) });
    const { c, page } = await browserLike(t, 'de');
    await c.stepUp();
    const choose = await page('/auth/2fa').expect(200);
    expect(h1Of(choose.text)).toBe('Confirmez que c’est bien vous');
    expect(choose.text).toContain('<div class="sg-root" lang="fr"');
  });

  it('translates the common errors: not found, an out-of-date form', async () => {
    t = await createTestApp();
    const { c, page } = await browserLike(t, 'de');
    await c.stepUp();
    const missing = await page('/auth/2fa/nothing-here').expect(404);
    expect(h1Of(missing.text)).toBe('Etwas braucht Ihre Aufmerksamkeit');
    expect(missing.text).toContain('Hier gibt es nichts.');
    const stale = await c.agent.post('/auth/2fa/phone').type('form').set('accept', 'text/html').set('accept-language', 'de').send({ _csrf: 'stale', phone: '+14155550199' }).expect(403);
    expect(stale.text).toContain('Dieses Formular ist veraltet.');
    expect(stale.text).toContain('<a href="/auth/2fa/phone">Zurück zur Seite</a>');
    expect(stale.text).not.toContain('x-csrf-token');
  });

  it('stays light unless the host opts into dark mode', async () => {
    t = await createTestApp();
    const { c, page } = await browserLike(t);
    await c.stepUp();
    expect((await page('/auth/2fa').expect(200)).text).not.toContain('sg-dark-auto');
    await t.close();
    t = await createTestApp({ guardOptions: extra({ pages: { darkMode: true } }) });
    const dark = await browserLike(t);
    await dark.c.stepUp();
    const res = await dark.page('/auth/2fa').expect(200);
    expect(res.text).toContain('<html lang="en" class="sg-doc sg-dark-auto">');
    expect(res.text).toContain('<div class="sg-root sg-dark-auto"');
  });

  it('speaks neutrally: no payments outside a transfer, no text message on an authenticator-app error', async () => {
    t = await createTestApp();
    const { c, page } = await browserLike(t);
    await c.stepUp();
    const factors = await page('/auth/2fa/factors').expect(200);
    expect(factors.text).not.toMatch(/payment|transfer|bank/i);
    // Alice enrols an authenticator app, then a new session steps up with a wrong code from it.
    const setup = await c.post('/auth/2fa/totp/setup', {}).expect(201);
    await c.post('/auth/2fa/totp/confirm', { code: await totpCodeAt(setup.body.secret, t.clock.nowMs()) }).expect(201);
    const other = await browserLike(t);
    await other.c.login().expect(200);
    await other.page('/auth/2fa').expect(200);
    const right = await totpCodeAt(setup.body.secret, t.clock.nowMs() + 60_000);
    const wrong = await other.form('/auth/2fa/totp/verify', { code: right === '000000' ? '111111' : '000000' }).expect(401);
    expect(h1Of(wrong.text)).toBe('Verify it’s you');
    expect(wrong.text).toContain('That code is not right. Enter the code your authenticator app shows now.');
    expect(wrong.text).not.toMatch(/message/i);
    expect(wrong.text).toContain('aria-invalid="true"');
  });
});
