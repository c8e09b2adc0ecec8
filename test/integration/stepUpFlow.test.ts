import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

describeForEachStore('SMS step-up over HTTP', (useRedis) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
  });
  afterEach(() => t.close());

  it('takes alice from password to aal2 and into /account', async () => {
    const c = await t.client();
    const login = await c.login().expect(200);
    expect(login.body.acr).toBe('aal1');
    expect(login.body.secondFactor.available).toEqual([{ factor: 'sms', to: '+1 ••••••••23' }]);

    const denied = await c.get('/account').expect(401);
    expect(denied.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", acr_values="aal2", max_age=43200',
    );
    expect(denied.body.error).toMatchObject({ code: 'insufficient_user_authentication', acceptableFactors: expect.arrayContaining(['sms']) });

    const sent = await c.send().expect(202);
    expect(sent.body).toEqual({
      challengeId: expect.any(String),
      expiresAt: new Date(t.clock.nowMs() + 300_000).toISOString(),
      resendAvailableAt: new Date(t.clock.nowMs() + 30_000).toISOString(),
      to: '+1 ••••••••23',
      resent: false,
      channel: 'sms',
      deliveryStatus: 'accepted',
    });
    expect(t.sms.messages).toHaveLength(1);
    expect(t.sms.messages[0]?.to).toBe('+14155550123');
    expect(t.sms.messages[0]?.body).toMatch(/^\d{6} is your stepguard verification code\. Do not share it\.\n\n@localhost #\d{6}$/);

    const verified = await c.verify(t.sms.lastCode()).expect(200);
    expect(verified.body).toMatchObject({ verified: true, acr: 'aal2', amr: ['pwd', 'sms', 'mfa'], returnTo: '/account' });
    const account = await c.get('/account').expect(200);
    expect(account.body).toMatchObject({ user: { username: 'alice' }, acr: 'aal2' });
    const session = await c.get('/auth/session').expect(200);
    expect(session.body).toMatchObject({ authenticated: true, acr: 'aal2', amr: ['pwd', 'sms', 'mfa'] });
    expect(Object.keys(session.body.factors)).toEqual(['pwd', 'sms']);
  });

  it('regenerates the session id when the level rises', async () => {
    const c = await t.client();
    await c.login().expect(200);
    await c.send().expect(202);
    const before = c.cookie('sg.sid');
    expect(before).toBeDefined();
    await c.verify(t.sms.lastCode()).expect(200);
    const after = c.cookie('sg.sid');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    await c.get('/account').expect(200);
  });

  it('lets a login step-up expire after 12 hours', async () => {
    const c = await t.client();
    await c.stepUp();
    t.clock.advanceSeconds(12 * 3600 - 1);
    await c.get('/account').expect(200);
    t.clock.advanceSeconds(2);
    const stale = await c.get('/account').expect(401);
    expect(stale.body.error.code).toBe('insufficient_user_authentication');
  });

  it('refuses the plugin routes without a signed-in user', async () => {
    const c = await t.client();
    const res = await c.send().expect(401);
    expect(res.body.error.code).toBe('unauthenticated');
    await c.get('/account').expect(401);
  });

  it('gives up on a provider that hangs within its timeout (503), and the server stays responsive', async () => {
    const c = await t.client();
    await c.login().expect(200);
    t.sms.hangNext = true;
    const started = Date.now();
    const res = await c.send().expect(503);
    expect(res.body.error.code).toBe('sms_unavailable');
    expect(Date.now() - started).toBeLessThan(6000);
    await c.get('/auth/session').expect(200);
  });

  it('says so when the provider cannot send, and stores nothing usable', async () => {
    const c = await t.client();
    await c.login().expect(200);
    t.sms.failNext = true;
    const res = await c.send().expect(503);
    expect(res.body.error.code).toBe('sms_unavailable');
  });
});
