import { createTestApp, type TestApp } from '../helpers/createTestApp';

describe('bad input to the SMS routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });

  async function readyClient() {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    return c;
  }

  it.each([
    ['missing', undefined],
    ['non-string', 123456],
    ['non-numeric', 'abcdef'],
    ['too short', '12345'],
    ['too long', '1234567'],
    ['oversized', '1'.repeat(10_000)],
    ['null', null],
    ['an array', ['123456']],
    ['an object', { $gt: '' }],
    ['with spaces', ' 123456'],
  ])('answers 400 for a %s code and counts no attempt', async (_label, code) => {
    const c = await readyClient();
    const res = await c.post('/auth/2fa/sms/verify', code === undefined ? {} : { code }).expect(400);
    expect(res.body).toEqual({
      error: { code: 'invalid_request', message: expect.any(String), field: 'code', problem: expect.any(String) },
    });
    // Nothing changed: the right code still works and no attempt was used.
    const ok = await c.verify(t.sms.lastCode());
    expect(ok.status).toBe(200);
  });

  it('answers 400 for unknown fields', async () => {
    const c = await readyClient();
    const res = await c.post('/auth/2fa/sms/verify', { code: '123456', admin: true }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'admin' });
  });

  it('answers 400 for broken JSON and 413 for a huge body', async () => {
    const c = await readyClient();
    const broken = await c.agent
      .post('/auth/2fa/sms/verify')
      .set('x-csrf-token', c.csrfToken)
      .set('content-type', 'application/json')
      .send('{"code": "12')
      .expect(400);
    expect(broken.body.error.code).toBe('invalid_request');
    const huge = await c.agent
      .post('/auth/2fa/sms/verify')
      .set('x-csrf-token', c.csrfToken)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ code: 'x'.repeat(100_000) }))
      .expect(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('refuses a state-changing request without a CSRF token with 403', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await c.agent.post('/auth/2fa/sms/send').set('accept', 'application/json').send({}).expect(403);
    expect(res.body.error.code).toBe('csrf_failed');
    expect(t.sms.messages).toHaveLength(0);
  });

  it('refuses a forged or foreign CSRF token with 403', async () => {
    const c = await t.client();
    const other = await t.client();
    await c.login().expect(200);
    for (const token of ['nope', `${c.csrfToken}x`, other.csrfToken, '']) {
      await c.agent.post('/auth/2fa/sms/send').set('x-csrf-token', token).set('accept', 'application/json').send({}).expect(403);
    }
    expect(t.sms.messages).toHaveLength(0);
  });

  it('refuses a login without a CSRF token', async () => {
    const c = await t.client();
    await c.agent.post('/auth/login').send({ username: 'alice', password: 'alice-demo-password' }).expect(403);
  });

  it('answers 409 when verifying before any code was sent', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await c.verify('123456').expect(409);
    expect(res.body.error.code).toBe('no_challenge');
  });

  it('answers 400 for an unknown action on send', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await c.send({ action: 'nuke' }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: 'action' });
  });
});
