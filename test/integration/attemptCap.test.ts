import { createTestApp, wrongCode, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';

describeForEachStore('attempt cap, expiry, resend and lockout', (useRedis) => {
  let t: TestApp;
  let c: Awaited<ReturnType<TestApp['client']>>;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
    c = await t.client();
    await c.login().expect(200);
  });
  afterEach(() => t.close());

  it('allows 5 wrong tries per challenge, counting down, then refuses with 429', async () => {
    await c.send().expect(202);
    const bad = wrongCode(t.sms.lastCode());
    for (const left of [4, 3, 2, 1, 0]) {
      const res = await c.verify(bad).expect(401);
      expect(res.body.error).toMatchObject({ code: 'invalid_code', attemptsLeft: left });
    }
    const res = await c.verify(t.sms.lastCode()).expect(429);
    expect(res.body.error).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 300 });
    expect(res.headers['retry-after']).toBe('300');
  });

  it('expires a code after 300 seconds (injected clock)', async () => {
    await c.send().expect(202);
    t.clock.advanceSeconds(299);
    const code = t.sms.lastCode();
    await c.verify(wrongCode(code)).expect(401);
    t.clock.advanceSeconds(1);
    const res = await c.verify(code).expect(410);
    expect(res.body.error.code).toBe('expired');
  });

  it('enforces the resend wait: 30 s, then 60 s, with retryAfterSeconds', async () => {
    const first = await c.send().expect(202);
    const early = await c.send().expect(429);
    expect(early.body.error).toMatchObject({ code: 'resend_too_early', retryAfterSeconds: 30 });
    t.clock.advanceSeconds(30);
    const second = await c.send().expect(202);
    expect(second.body.challengeId).toBe(first.body.challengeId);
    expect(second.body.resent).toBe(true);
    expect(new Date(second.body.resendAvailableAt).getTime() - t.clock.nowMs()).toBe(60_000);
    t.clock.advanceSeconds(59);
    await c.send().expect(429);
    t.clock.advanceSeconds(1);
    await c.send().expect(202);
    expect(t.sms.messages).toHaveLength(3);
  });

  it('keeps the failure count across a resend, and only the newest code works', async () => {
    await c.send().expect(202);
    const oldCode = t.sms.lastCode();
    for (let i = 0; i < 3; i += 1) await c.verify(wrongCode(oldCode)).expect(401);
    t.clock.advanceSeconds(30);
    await c.send().expect(202);
    const newCode = t.sms.lastCode();
    if (oldCode !== newCode) {
      const res = await c.verify(oldCode).expect(401);
      expect(res.body.error.attemptsLeft).toBe(1);
    } else {
      await c.verify(wrongCode(oldCode)).expect(401);
    }
    await c.verify(newCode).expect(200);
  });

  it('locks the second factor after 10 consecutive failures for 15 minutes', async () => {
    await c.send().expect(202);
    for (let i = 0; i < 5; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    t.clock.advanceSeconds(301);
    await c.send().expect(202);
    for (let i = 0; i < 4; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    const locked = await c.verify(wrongCode(t.sms.lastCode())).expect(423);
    expect(locked.body.error).toMatchObject({ code: 'locked', retryAfterSeconds: 900 });
    // Locked: even the right code and a new send are refused.
    await c.verify(t.sms.lastCode()).expect(423);
    const send = await c.send().expect(423);
    expect(send.body.error.code).toBe('locked');
    t.clock.advanceSeconds(900);
    await c.send().expect(202);
    await c.verify(t.sms.lastCode()).expect(200);
  });

  it('clears the consecutive failure count on success', async () => {
    await c.send().expect(202);
    for (let i = 0; i < 4; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    await c.verify(t.sms.lastCode()).expect(200);
    t.clock.advanceSeconds(30);
    await c.send().expect(202);
    // 9 more failures in a row would have locked at 10 without the reset; 4 + 5 never reach it.
    for (let i = 0; i < 5; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    t.clock.advanceSeconds(301);
    await c.send().expect(202);
    for (let i = 0; i < 4; i += 1) await c.verify(wrongCode(t.sms.lastCode())).expect(401);
    await c.verify(t.sms.lastCode()).expect(200);
  });

  it('limits sends per phone: 3 per 10 minutes', async () => {
    await c.send().expect(202);
    t.clock.advanceSeconds(30);
    await c.send().expect(202);
    t.clock.advanceSeconds(60);
    await c.send().expect(202);
    t.clock.advanceSeconds(120);
    const res = await c.send().expect(429);
    expect(res.body.error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(t.sms.messages).toHaveLength(3);
  });
});
