import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/**
 * Red team (issue #14): the reminder is "claimed" whether or not its SMS went out. With a spend
 * cap configured, a password-only attacker fills the cap just before the reminder is due (here
 * with the owner's own sign-in codes; a bot with other accounts can do it globally), the
 * reminder SMS is refused (spend_cap), and the recovery still completes a day later.
 */
useCheapPasswordHashing();
const ALICE = '+14155550123';
const hasCode = (body: string) => /#\d+\s*$/.test(body);
const HOUR = 3600;

describe('red team: recovery reminder under a spent SMS cap', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ guardOptions: { sms: { pumping: { spend: { priceMicros: { default: 1000 }, hourlyCapMicros: 2000 } } } } as never });
  });
  afterEach(async () => { await t.close(); });

  it('does not complete a recovery whose reminder never reached the bound number', async () => {
    const attacker = await t.client();
    await attacker.login().expect(200);
    const started = await attacker.post('/auth/2fa/recovery', {}).expect(202);
    const completesAtMs = Date.parse(started.body.recovery.completesAt);
    t.clock.advanceSeconds(Math.floor((completesAtMs - t.clock.nowMs()) / 1000) - 24 * HOUR - 60);
    // Fill the hourly cap with code sends (each one is 1000 micros).
    await attacker.send({}).expect(202);
    t.clock.advanceSeconds(31);
    await attacker.send({});
    t.clock.advanceSeconds(60);
    const from = t.sms.messages.length;
    // The cap is full for codes...
    expect((await attacker.send({})).status).not.toBe(202);
    const seen = await attacker.get('/auth/2fa/recovery').expect(200);
    expect(seen.body.recovery.reminded).toBe(true);
    const reminderTexts = t.sms.messages.slice(from).filter((m) => m.to === ALICE && !hasCode(m.body));
    const blocked: string[][] = [];
    for await (const e of t.stores.audit.list({ userId: 'u1' })) if (e.type === 'notice_blocked') blocked.push([...(e.reasons ?? [])]);
    // ...but a notice to the account's own bound number is not refused by the spend cap (fix F2).
    expect(blocked).not.toContainEqual(['recoveryReminder', 'pumping_spend_cap']);
    expect(reminderTexts).toHaveLength(1);
    t.clock.advanceSeconds(25 * HOUR);
    await attacker.login().expect(200);
    const completed = await attacker.post('/auth/2fa/recovery/complete', {});
    // Either the reminder reached the owner, or the recovery must not complete.
    expect({ reminderTexts: reminderTexts.length, completeStatus: completed.status }).not.toEqual({ reminderTexts: 0, completeStatus: 200 });
  });

  it('retries an undelivered reminder and completes only remindBeforeHours after a delivered one', async () => {
    const attacker = await t.client();
    await attacker.login().expect(200);
    const started = await attacker.post('/auth/2fa/recovery', {}).expect(202);
    const completesAtMs = Date.parse(started.body.recovery.completesAt);
    t.clock.advanceSeconds(Math.floor((completesAtMs - t.clock.nowMs()) / 1000) - 24 * HOUR + 60);
    // The provider refuses the reminder: it does not count as sent.
    t.sms.failNext = true;
    const failed = await attacker.get('/auth/2fa/recovery').expect(200);
    expect(failed.body.recovery.reminded).toBe(false);
    const types: string[] = [];
    for await (const e of t.stores.audit.list({ userId: 'u1' })) types.push(e.type);
    expect(types).toContain('recovery_reminder_undelivered');
    // Long past the original end: still refused, the reminder never arrived.
    t.clock.advanceSeconds(2 * HOUR);
    await attacker.login().expect(200);
    const from = t.sms.messages.length;
    const early = await attacker.post('/auth/2fa/recovery/complete', {});
    expect([early.status, early.body.error?.code]).toEqual([409, 'recovery_not_ready']);
    // That request retried the reminder, which now went out: the owner has 24 h from now.
    expect(t.sms.messages.slice(from).filter((m) => m.to === ALICE && !hasCode(m.body))).toHaveLength(1);
    t.clock.advanceSeconds(23 * HOUR);
    await attacker.login().expect(200);
    expect((await attacker.post('/auth/2fa/recovery/complete', {})).status).toBe(409);
    t.clock.advanceSeconds(HOUR + 60);
    await attacker.login().expect(200);
    await attacker.post('/auth/2fa/recovery/complete', {}).expect(200);
  });
});
