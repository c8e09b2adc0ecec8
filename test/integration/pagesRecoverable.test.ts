import { totpCodeAt } from '../../src/core/totp/totp';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';

type GuardOptions = NonNullable<Parameters<typeof createTestApp>[0]>['guardOptions'];

/** The HTML side of a test client: pages and form posts, as a browser sends them. */
async function browserLike(t: TestApp) {
  const c = await t.client();
  return {
    c,
    page: (path: string) => c.agent.get(path).set('accept', 'text/html'),
    form: (path: string, fields: Record<string, string> = {}) =>
      c.agent.post(path).type('form').set('accept', 'text/html').send({ _csrf: c.csrfToken, ...fields }),
  };
}

const secretOn = (html: string) => /<code id="sg-totp-secret">([A-Z2-7]+)<\/code>/.exec(html)?.[1];

describe('recoverable errors on the pages', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('shows the same QR code and key again after a wrong first TOTP code, and the right code then turns it on', async () => {
    t = await createTestApp();
    const { c, page, form } = await browserLike(t);
    await c.stepUp();
    const setup = await form('/auth/2fa/totp/setup').expect(201);
    const secret = secretOn(setup.text) as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const right = await totpCodeAt(secret, t.clock.nowMs());
    const wrong = await form('/auth/2fa/totp/confirm', { code: wrongCode(right) }).expect(401);
    expect(secretOn(wrong.text)).toBe(secret);
    expect(wrong.text).toMatch(/<img src="data:image\/png;base64,[^"]+" alt="QR code for your authenticator app"/);
    expect(wrong.text).toContain('That code is not right. Enter the code your authenticator app shows now.');
    expect(wrong.text).not.toContain(wrongCode(right));
    // A reload shows the waiting setup too, not a fresh "Set up" button.
    expect(secretOn((await page('/auth/2fa/factors').expect(200)).text)).toBe(secret);
    const done = await form('/auth/2fa/totp/confirm', { code: right }).expect(303);
    expect(done.headers.location).toBe('/auth/2fa/factors');
    expect((await c.get('/auth/2fa/factors').expect(200)).body.totp).toHaveLength(1);
  });

  it('keeps the setup for a JSON client after a wrong first code', async () => {
    t = await createTestApp();
    const c = await t.client();
    await c.stepUp();
    const secret = (await c.post('/auth/2fa/totp/setup', {}).expect(201)).body.secret as string;
    const right = await totpCodeAt(secret, t.clock.nowMs());
    expect((await c.post('/auth/2fa/totp/confirm', { code: wrongCode(right) }).expect(401)).body.error.code).toBe('invalid_code');
    await c.post('/auth/2fa/totp/confirm', { code: right }).expect(201);
  });

  it('says the setup expired, on the factor page, once it has waited 15 minutes', async () => {
    t = await createTestApp();
    const { c, form } = await browserLike(t);
    await c.stepUp();
    const secret = secretOn((await form('/auth/2fa/totp/setup').expect(201)).text) as string;
    t.clock.advanceSeconds(15 * 60 + 1);
    const late = await form('/auth/2fa/totp/confirm', { code: await totpCodeAt(secret, t.clock.nowMs()) }).expect(409);
    expect(late.text).toContain('<h1>Sign-in methods</h1>');
    expect(late.text).toContain('The setup has expired. Start it again.');
    expect(late.text).not.toContain(secret);
  });

  it('links "sign in again" to the login page with returnTo, and refills the typed number when the user comes back', async () => {
    t = await createTestApp();
    await t.users.create('bob', 'bob-password-long-enough');
    const { c, page, form } = await browserLike(t);
    await c.login('bob', 'bob-password-long-enough').expect(200);
    await page('/auth/2fa/phone').expect(200);
    // The password is too old to bind a first factor.
    t.clock.advanceSeconds(301);
    const refused = await form('/auth/2fa/phone', { phone: '+1 415 555 0199' }).expect(401);
    expect(refused.text).toContain('For your security, sign in again with your password, then try again.');
    expect(refused.text).toContain('<a class="sg-button" href="/login?returnTo=%2Fauth%2F2fa%2Fphone">Sign in again</a>');
    const draftCookie = (refused.headers['set-cookie'] as unknown as string[]).find((cookie) => cookie.startsWith('sg.draft='));
    expect(draftCookie).toMatch(/HttpOnly/i);
    expect(draftCookie).toMatch(/Path=\/auth\/2fa/);
    expect(draftCookie).not.toMatch(/555|0199/);
    // The host's login page signs in again (its session regenerates) and comes back.
    const loginPage = await page('/login?returnTo=%2Fauth%2F2fa%2Fphone').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.text)?.[1] as string;
    const back = await c.agent
      .post('/auth/login')
      .type('form')
      .set('accept', 'text/html')
      .send({ _csrf: token, username: 'bob', password: 'bob-password-long-enough', returnTo: '/auth/2fa/phone' })
      .expect(303);
    expect(back.headers.location).toBe('/auth/2fa/phone');
    const refilled = await page('/auth/2fa/phone').expect(200);
    expect(refilled.text).toMatch(/<input id="sg-phone" name="phone" type="tel"[^>]* value="\+1 415 555 0199"/);
    // Once only.
    expect((await page('/auth/2fa/phone').expect(200)).text).toMatch(/<input id="sg-phone"[^>]* value=""/);
  });

  it('never refills one user\'s typed number for the next user signing in on the same browser', async () => {
    t = await createTestApp();
    await t.users.create('bob', 'bob-password-long-enough');
    await t.users.create('carol', 'carol-password-long-enough');
    const { c, page, form } = await browserLike(t);
    await c.login('bob', 'bob-password-long-enough').expect(200);
    t.clock.advanceSeconds(301);
    await form('/auth/2fa/phone', { phone: '+1 415 555 0199' }).expect(401);
    const loginPage = await page('/login').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.text)?.[1] as string;
    await c.agent.post('/auth/login').type('form').set('accept', 'text/html').send({ _csrf: token, username: 'carol', password: 'carol-password-long-enough' }).expect(303);
    const carolsPage = await page('/auth/2fa/phone').expect(200);
    expect(carolsPage.text).not.toContain('555 0199');
    expect(carolsPage.text).toMatch(/<input id="sg-phone"[^>]* value=""/);
  });

  it('refills the number after a refused number, but never echoes a code', async () => {
    t = await createTestApp();
    await t.users.create('bob', 'bob-password-long-enough');
    const { c, page, form } = await browserLike(t);
    await c.login('bob', 'bob-password-long-enough').expect(200);
    await page('/auth/2fa/phone').expect(200);
    const invalid = await form('/auth/2fa/phone', { phone: '12' }).expect(400);
    expect(invalid.text).toMatch(/<input id="sg-phone"[^>]* value="12"/);
    await page('/auth/2fa/phone').expect(200);
    await form('/auth/2fa/phone', { phone: '+1 415 555 0199' }).expect(303);
    expect((await page('/auth/2fa/phone').expect(200)).text).toContain('<input id="sg-code"');
    const wrong = wrongCode(t.sms.lastCode());
    const refused = await form('/auth/2fa/phone/verify', { code: wrong }).expect(401);
    expect(refused.text).toContain('That code is not right. Check the latest message. 4 tries left.');
    expect(refused.text).not.toContain(wrong);
  });

  it('sends a signed-out browser to the login page with returnTo back to the page it asked for', async () => {
    t = await createTestApp();
    const { page } = await browserLike(t);
    const res = await page('/auth/2fa/factors?tab=1').expect(303);
    expect(res.headers.location).toBe('/login?returnTo=%2Fauth%2F2fa%2Ffactors%3Ftab%3D1');
  });

  it('offers to add a phone, not an authenticator app, when only a text message can approve the action', async () => {
    t = await createTestApp({ guardOptions: { policy: { actions: { login: { factors: ['sms'] } } } } as GuardOptions });
    await t.users.create('bob', 'bob-password-long-enough');
    const { c, page } = await browserLike(t);
    await c.login('bob', 'bob-password-long-enough').expect(200);
    const choose = await page('/auth/2fa').expect(200);
    expect(choose.text).toContain('None of your sign-in methods works for this yet. Add one to continue:');
    expect(choose.text).toContain('<a href="/auth/2fa/phone">Add a phone number</a>');
    expect(choose.text).not.toMatch(/authenticator|passkey/i);
    // After adding the number, the phone page leads back to the step-up.
    await page('/auth/2fa?returnTo=%2Faccount').expect(200);
    const phonePage = await page('/auth/2fa/phone').expect(200);
    expect(phonePage.text).toContain('<a href="/auth/2fa">Continue where you left off</a>');
  });

  it('offers every acceptable way to a user with no second factor', async () => {
    t = await createTestApp();
    await t.users.create('bob', 'bob-password-long-enough');
    const { c, page } = await browserLike(t);
    await c.login('bob', 'bob-password-long-enough').expect(200);
    const choose = await page('/auth/2fa').expect(200);
    expect(choose.text).toContain('<a href="/auth/2fa/phone">Add a phone number</a>');
    expect(choose.text).toContain('<a href="/auth/2fa/factors">Set up an authenticator app</a>');
    expect(choose.text).toContain('<a href="/auth/2fa/factors">Add a passkey</a>');
  });
});
