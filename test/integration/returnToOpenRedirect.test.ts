import { DEMO_ACCOUNT } from '../../src/demo/createDemoApp';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { EXPLOIT_RETURN_TOS } from '../helpers/returnToInputs';

const ORIGIN = 'http://localhost:3000'; // the test app's appOrigin (the default)

/** Where a browser on the app's origin would go for `target`: it must be that origin. */
function expectOnOrigin(target: unknown): void {
  if (target === undefined) return;
  expect(typeof target).toBe('string');
  expect(new URL(target as string, ORIGIN).origin).toBe(ORIGIN);
}

/** Issue 16, item 1: returnTo values that normalised to `//evil.example/...` after the check. */
describe('returnTo after a step-up never leaves the origin', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(EXPLOIT_RETURN_TOS)('a JSON verify after returnTo=%s answers no off-origin returnTo', async (returnTo) => {
    const c = await t.client();
    await c.login().expect(200);
    const asked = await c.get(`/auth/2fa?returnTo=${encodeURIComponent(returnTo)}`);
    expect(asked.status).toBe(400);
    expect(asked.body.error.code).toBe('invalid_return_to');
    await c.send().expect(202);
    const verified = await c.verify(t.sms.lastCode()).expect(200);
    expect(verified.headers.location).toBeUndefined();
    expectOnOrigin(verified.body.returnTo);
  });

  it.each(EXPLOIT_RETURN_TOS)('a form verify after returnTo=%s redirects on the origin', async (returnTo) => {
    const c = await t.client();
    const form = (path: string, fields: Record<string, string>) =>
      c.agent.post(path).type('form').set('accept', 'text/html').send({ _csrf: c.csrfToken, ...fields });
    await form('/auth/login', { username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password }).expect(303);
    await c.agent.get(`/auth/2fa?returnTo=${encodeURIComponent(returnTo)}`).set('accept', 'text/html');
    await c.agent.get('/auth/2fa').set('accept', 'text/html').expect(200); // the factor page: a token for this session
    await form('/auth/2fa/sms/send', {}).expect(303);
    const done = await form('/auth/2fa/sms/verify', { code: t.sms.lastCode() }).expect(303);
    expectOnOrigin(done.headers.location);
    expect(done.headers.location).not.toContain('evil');
  });

  it.each(EXPLOIT_RETURN_TOS)('the login form with returnTo=%s redirects on the origin', async (returnTo) => {
    const c = await t.client();
    const page = await c.agent.get(`/login?returnTo=${encodeURIComponent(returnTo)}`).set('accept', 'text/html').expect(200);
    expect(page.text).not.toContain('evil.example');
    const done = await c.agent.post('/auth/login').type('form').set('accept', 'text/html')
      .send({ _csrf: c.csrfToken, username: DEMO_ACCOUNT.username, password: DEMO_ACCOUNT.password, returnTo }).expect(303);
    expectOnOrigin(done.headers.location);
    expect(done.headers.location).toBe('/account');
  });

  it('keeps a same-origin returnTo with dot segments, normalised', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.get(`/auth/2fa?returnTo=${encodeURIComponent('/a/../account')}`).expect(200);
    await c.send().expect(202);
    const verified = await c.verify(t.sms.lastCode()).expect(200);
    expect(verified.body.returnTo).toBe('/account');
  });
});
