import { createTestApp, type TestApp } from '../helpers/createTestApp';

/** The HTML flow a browser follows, driven with form posts (the real-browser suite comes later). */
describe('HTML step-up flow and returnTo', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });

  async function htmlClient() {
    const c = await t.client();
    const form = (path: string, fields: Record<string, string>) =>
      c.agent.post(path).type('form').set('accept', 'text/html').send({ _csrf: c.csrfToken, ...fields });
    const page = (path: string) => c.agent.get(path).set('accept', 'text/html');
    return { c, form, page };
  }

  it('goes login -> factor page -> code page -> back to /account', async () => {
    const { form, page } = await htmlClient();
    const toLogin = await page('/account').expect(303);
    expect(toLogin.headers.location).toBe('/login?returnTo=%2Faccount');
    const loggedIn = await form('/auth/login', { username: 'alice', password: 'alice-demo-password', returnTo: '/account' }).expect(303);
    expect(loggedIn.headers.location).toBe('/account');
    const toFactor = await page('/account').expect(303);
    expect(toFactor.headers.location).toBe('/auth/2fa?returnTo=%2Faccount');
    const choose = await page(toFactor.headers.location).expect(200);
    expect(choose.text).toContain('Text a code to +1 ••••••••23');
    const sent = await form('/auth/2fa/sms/send', { action: 'login' }).expect(303);
    expect(sent.headers.location).toBe('/auth/2fa/sms');
    const codePage = await page('/auth/2fa/sms').expect(200);
    expect(codePage.text).toContain('autocomplete="one-time-code"');
    expect(codePage.text).toContain('inputmode="numeric"');
    expect(codePage.text).toContain('data-sg-wait="30"');
    const wrong = await form('/auth/2fa/sms/verify', { code: '000000' === t.sms.lastCode() ? '111111' : '000000' }).expect(401);
    expect(wrong.text).toContain('4 tries left');
    const done = await form('/auth/2fa/sms/verify', { code: t.sms.lastCode() }).expect(303);
    expect(done.headers.location).toBe('/account');
    const account = await page('/account').expect(200);
    expect(account.text).toContain('aal2');
  });

  it.each(['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aLocation:x', 'http:/evil'])(
    'refuses the external returnTo %s',
    async (returnTo) => {
      const { c, form, page } = await htmlClient();
      await form('/auth/login', { username: 'alice', password: 'alice-demo-password' }).expect(303);
      const res = await page(`/auth/2fa?returnTo=${encodeURIComponent(returnTo)}`);
      // Login rotated the session's CSRF token and the error page carries none: ask again.
      await c.refreshCsrf();
      if (res.status === 400) {
        expect(res.text).toContain('returnTo must be a path on this site');
      } else {
        // Percent-encoded CR/LF is a same-origin path once decoded safely; it must stay one.
        expect(res.status).toBe(200);
      }
      await form('/auth/2fa/sms/send', {}).expect(303);
      const done = await form('/auth/2fa/sms/verify', { code: t.sms.lastCode() }).expect(303);
      expect(done.headers.location.startsWith('/')).toBe(true);
      expect(done.headers.location.startsWith('//')).toBe(false);
      expect(done.headers.location).not.toContain('evil');
    },
  );

  it('answers a JSON client with 400 invalid_return_to', async () => {
    const { c } = await htmlClient();
    await c.login().expect(200);
    const res = await c.get('/auth/2fa?returnTo=https%3A%2F%2Fevil.example').expect(400);
    expect(res.body.error.code).toBe('invalid_return_to');
  });

  it('shows the transfer confirmation after stepping up for a transfer', async () => {
    const { form, page, c } = await htmlClient();
    await c.stepUp();
    const toFactor = await form('/transfer', { amount: '42.50', payee: 'Carol' }).expect(303);
    expect(toFactor.headers.location).toBe('/auth/2fa?returnTo=%2Ftransfer%2Fconfirm');
    await page(toFactor.headers.location).expect(200);
    await form('/auth/2fa/sms/send', { action: 'transfer' }).expect(303);
    expect(t.sms.messages.at(-1)?.body).toContain('42.50 to Carol');
    const back = await form('/auth/2fa/sms/verify', { code: t.sms.lastCode() }).expect(303);
    expect(back.headers.location).toBe('/transfer/confirm');
    const confirm = await page('/transfer/confirm').expect(200);
    expect(confirm.text).toContain('Send <strong>42.50</strong> to <strong>Carol</strong>');
    const sent = await form('/transfer', { amount: '42.50', payee: 'Carol' }).expect(200);
    expect(sent.text).toContain('Transfer sent');
  });
});
