import { createTestApp, type TestApp } from '../helpers/createTestApp';

describe('forward-auth (SSO gateway mode)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({
      guardOptions: {
        forwardAuth: { rules: [{ host: 'payroll.example.com', pathPrefix: '/', action: 'factor_change' }, { pathPrefix: '/', action: 'login' }] },
        allowedReturnOrigins: ['https://app.example.com'],
      },
    });
  });

  const check = (c: Awaited<ReturnType<TestApp['client']>>, url: string, query = '') =>
    c.agent.get(`/auth/2fa/forward-auth${query}`).set('x-original-url', url).set('x-forwarded-method', 'GET');

  it('answers 401 without a session, and a redirect to the login page in redirect mode', async () => {
    const c = await t.client();
    const status = await check(c, 'https://app.example.com/reports?q=1').expect(401);
    expect(status.body.error).toMatchObject({ code: 'unauthenticated', login: 'http://localhost:3000/login?returnTo=https%3A%2F%2Fapp.example.com%2Freports%3Fq%3D1' });
    const redirect = await check(c, 'https://app.example.com/reports', '?mode=redirect').expect(302);
    expect(redirect.headers.location).toBe('http://localhost:3000/login?returnTo=https%3A%2F%2Fapp.example.com%2Freports');
  });

  it('answers 401 with the step-up challenge after the password alone', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await check(c, 'https://app.example.com/reports').expect(401);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
    expect(res.body.error.stepUp).toBe('http://localhost:3000/auth/2fa?returnTo=https%3A%2F%2Fapp.example.com%2Freports');
    const redirect = await check(c, 'https://app.example.com/reports', '?mode=redirect').expect(302);
    expect(redirect.headers.location).toBe('http://localhost:3000/auth/2fa?returnTo=https%3A%2F%2Fapp.example.com%2Freports');
  });

  it('answers 200 with identity headers after the step-up', async () => {
    const c = await t.client();
    await c.stepUp();
    const res = await check(c, 'https://app.example.com/reports').expect(200);
    expect(res.headers['remote-user']).toBe('alice'); // the demo's getIdentity: the login name, not the id
    expect(res.headers['remote-acr']).toBe('aal2');
    expect(res.headers['remote-amr']).toBe('pwd,sms,mfa');
    expect(Number(res.headers['remote-auth-time'])).toBe(Math.floor(t.clock.nowMs() / 1000));
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('maps host and path to an action: a stricter one for payroll', async () => {
    const c = await t.client();
    await c.stepUp();
    t.clock.advanceSeconds(301);
    await check(c, 'https://app.example.com/reports').expect(200);
    const res = await check(c, 'https://payroll.example.com/run').expect(401);
    expect(res.body.error).toMatchObject({ action: 'factor_change', maxAgeSeconds: 300 });
  });

  it('reads Traefik-style X-Forwarded-Host and -Uri', async () => {
    const c = await t.client();
    await c.stepUp();
    await c.agent
      .get('/auth/2fa/forward-auth')
      .set('x-forwarded-proto', 'https')
      .set('x-forwarded-host', 'app.example.com')
      .set('x-forwarded-uri', '/x')
      .expect(200);
  });

  it('does not send the browser back to an origin that is not allowed', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await check(c, 'https://evil.example.net/steal', '?mode=redirect').expect(302);
    expect(res.headers.location).toBe('http://localhost:3000/auth/2fa');
  });

  it('answers 400 when the original URL is missing or malformed', async () => {
    const c = await t.client();
    await c.agent.get('/auth/2fa/forward-auth').expect(400);
    await c.agent.get('/auth/2fa/forward-auth').set('x-original-url', 'javascript:alert(1)').expect(400);
    await c.agent.get('/auth/2fa/forward-auth').set('x-original-url', 'not a url').expect(400);
  });
});
