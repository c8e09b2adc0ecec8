import { deriveAuditKey, verifyAuditChain } from '../../src/core/audit/auditChain';
import { countSmsSegments } from '../../src/core/messages/countSmsSegments';
import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';

describe('binding and changing a phone number', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ guardOptions: { phone: { allowedCountries: ['US', 'GB', 'FR', 'DE'] } } });
  });

  async function newUser(name = 'bob') {
    const c = await t.client();
    await c.post('/auth/signup', { username: name, password: 'correct horse battery' }).expect(201);
    await c.login(name, 'correct horse battery').expect(200);
    return c;
  }

  it('binds a first number only after it proves it receives the code', async () => {
    const c = await newUser();
    const started = await c.post('/auth/2fa/phone', { phone: '+1 650 555 0100' }).expect(202);
    expect(started.body).toEqual({ challengeId: expect.any(String), expiresAt: expect.any(String), resendAvailableAt: expect.any(String), to: '+1 ••••••••00' });
    expect(t.sms.messages.at(-1)?.to).toBe('+16505550100');
    // Not bound yet: no step-up by SMS is possible.
    expect((await c.send().expect(409)).body.error.code).toBe('no_phone');
    await c.post('/auth/2fa/phone/verify', { code: wrongCode(t.sms.lastCode()) }).expect(401);
    const done = await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    expect(done.body).toEqual({ phone: '+1 ••••••••00', changed: false, coolOffUntil: null, csrfToken: expect.any(String) });
    await c.send().expect(202);
    expect(t.sms.messages.at(-1)?.to).toBe('+16505550100');
  });

  it('accepts a national number with the configured default country', async () => {
    t = await createTestApp({ guardOptions: { phone: { defaultCountry: 'GB' } } });
    const c = await newUser();
    await c.post('/auth/2fa/phone', { phone: '07400 123456' }).expect(202);
    expect(t.sms.messages.at(-1)?.to).toBe('+447400123456');
  });

  it('needs a password verified within 5 minutes for the first number', async () => {
    const c = await newUser();
    t.clock.advanceSeconds(301);
    const res = await c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(401);
    expect(res.body.error.code).toBe('fresh_password_required');
    expect(t.sms.messages).toHaveLength(0);
  });

  it.each([
    ['not a number', 'call me maybe', 400, 'invalid_phone'],
    ['too short', '+1 650', 400, 'invalid_phone'],
    ['invalid', '+1 000 000 0000', 400, 'invalid_phone'],
    ['a fixed line', '+44 20 7946 0018', 422, 'phone_not_allowed'],
    ['premium rate', '+44 909 879 0123', 422, 'phone_not_allowed'],
    ['toll free', '+1 800 555 0199', 422, 'phone_not_allowed'],
    ['VoIP', '+44 56 1234 5678', 422, 'phone_not_allowed'],
    ['outside the allow-list', '+44 7624 123456', 422, 'phone_not_allowed'],
  ])('refuses %s', async (_label, phone, status, code) => {
    const c = await newUser();
    const res = await c.post('/auth/2fa/phone', { phone }).expect(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).not.toMatch(/libphonenumber|FIXED_LINE|PREMIUM/);
    expect(t.sms.messages).toHaveLength(0);
  });

  it.each([
    ['missing', {}],
    ['non-string', { phone: 14155550123 }],
    ['huge', { phone: '1'.repeat(500) }],
    ['with extra fields', { phone: '+16505550100', admin: true }],
  ])('answers 400 for a %s body', async (_label, body) => {
    const c = await newUser();
    const res = await c.post('/auth/2fa/phone', body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', field: expect.any(String) });
  });

  it('answers the same whether or not the number is taken, and refuses the taken one only after proof', async () => {
    const c = await newUser('bob');
    const taken = await c.post('/auth/2fa/phone', { phone: '+14155550123' }).expect(202); // alice's
    const other = await newUser('carol');
    const free = await other.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(202);
    expect(Object.keys(taken.body).sort()).toEqual(Object.keys(free.body).sort());
    expect(taken.headers['content-length']).toBe(free.headers['content-length']);
    const bobCode = t.sms.messages.find((m) => m.to === '+14155550123')!.body.match(/#(\d+)/)![1];
    const refused = await c.post('/auth/2fa/phone/verify', { code: bobCode }).expect(409);
    expect(refused.body.error.code).toBe('phone_unavailable');
    expect(refused.body.error.message).not.toMatch(/alice|another account/i);
    expect(await t.guard.service.maskedPhoneOf('u1')).toBe('+1 ••••••••23');
  });

  it('changes a number after a fresh step-up, tells the old number, and starts the cool-off', async () => {
    const c = await t.client();
    await c.login().expect(200);
    // A change needs a second factor from the last 5 minutes.
    expect((await c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(401)).body.error.code).toBe('fresh_factor_required');
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
    await c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(202);
    const done = await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    expect(done.body).toMatchObject({ phone: '+1 ••••••••00', changed: true, coolOffUntil: new Date(t.clock.nowMs() + 7 * 86_400_000).toISOString() });
    const notice = t.sms.messages.at(-1)!;
    expect(notice.to).toBe('+14155550123');
    expect(notice.body).toContain('phone number was changed to a number ending in 00');
    expect(countSmsSegments(notice.body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });

    // During the cool-off SMS cannot approve a transfer, but still works for login.
    await c.post('/transfer', { amount: 5, payee: 'Bob' }).expect(401);
    expect((await c.send({ action: 'transfer' }).expect(409)).body.error.code).toBe('sms_not_accepted');
    t.clock.advanceSeconds(7 * 86_400);
    await c.post('/transfer', { amount: 5, payee: 'Bob' }).expect(401);
    await c.send({ action: 'transfer' }).expect(202);
    expect(t.sms.messages.at(-1)?.to).toBe('+16505550100');
    await c.verify(t.sms.lastCode()).expect(200);
    await c.post('/transfer', { amount: 5, payee: 'Bob' }).expect(200);
  });

  it('does not let an SMS verified just before a change approve a high-risk action', async () => {
    const c = await t.client();
    await c.stepUp();
    await c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(202);
    await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    await c.post('/transfer', { amount: 5, payee: 'Bob' }).expect(401);
    expect((await c.send({ action: 'transfer' }).expect(409)).body.error.code).toBe('sms_not_accepted');
    await c.get('/account').expect(200);
  });

  it('refuses to remove the only second factor', async () => {
    const c = await t.client();
    await c.stepUp();
    const res = await c.post('/auth/2fa/phone/remove', {}).expect(409);
    expect(res.body.error.code).toBe('last_factor');
    expect(await t.guard.service.maskedPhoneOf('u1')).toBe('+1 ••••••••23');
  });

  it('records every step in a verifiable audit chain without numbers or codes', async () => {
    const c = await t.client();
    await c.stepUp();
    await c.post('/auth/2fa/phone', { phone: '+16505550100' }).expect(202);
    await c.post('/auth/2fa/phone/verify', { code: t.sms.lastCode() }).expect(200);
    const chain = t.audit.unsafeChain('u1');
    // The change goes through the one gate: a fresh policy decision for factor_change, the change
    // audited, the other sessions revoked, and the old number told.
    expect(chain.map((e) => e.type)).toEqual([
      'login_succeeded', 'risk_decision', 'otp_sent', 'otp_verified', 'step_up_satisfied',
      'risk_decision', 'otp_sent', 'otp_verified', 'factor_changed', 'sessions_revoked', 'security_notice_sent',
    ]);
    expect(chain.find((e) => e.type === 'factor_changed')?.reasons).toContain('change=phone_changed');
    expect(verifyAuditChain(deriveAuditKey(PEPPER), chain).ok).toBe(true);
    const text = JSON.stringify(chain);
    expect(text).not.toContain('6505550100');
    expect(text).not.toContain('4155550123');
    for (const m of t.sms.messages) {
      const code = /#(\d{6})/.exec(m.body)?.[1];
      if (code) expect(text).not.toContain(code);
    }
  });

  it('fails closed with 503 when the audit store is down, sending nothing', async () => {
    const c = await t.client();
    await c.login().expect(200);
    const sent = t.sms.messages.length;
    const original = t.stores.audit.insert.bind(t.stores.audit);
    t.stores.audit.insert = async () => {
      throw new Error('mongo down');
    };
    const res = await c.send().expect(503);
    expect(res.body.error.code).toBe('service_unavailable');
    expect(t.sms.messages.length).toBe(sent);
    await c.get('/account').expect(503);
    t.stores.audit.insert = original;
    await c.send().expect(202);
  });
});
