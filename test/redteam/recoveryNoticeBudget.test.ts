import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/**
 * Red team (issue #14): a password-only attacker starts a recovery, the owner cancels, the
 * attacker starts again at once. Start and cancel notices share the owner's 5/day notice
 * budget, so within one day the owner's last SMS says "cancelled" and the next start is silent.
 */
useCheapPasswordHashing();
const ALICE = '+14155550123';
const hasCode = (body: string) => /#\d+\s*$/.test(body);

describe('red team: recovery start notice after the owner cancels', () => {
  let t: TestApp;
  // Four starts in a day: more than the default limit (2), so the host raised it; each start's
  // notice must still go out (recovery notices have a budget of their own, sized by the limit).
  beforeEach(async () => { t = await createTestApp({ guardOptions: { recovery: { maxStartsPerDay: 4 } } as never }); });
  afterEach(async () => { await t.close(); });

  it('every recovery start reaches the bound number by SMS', async () => {
    const attacker = await t.client();
    await attacker.login().expect(200);
    const owner = await t.client();
    await owner.login().expect(200);
    for (let round = 0; round < 4; round += 1) {
      await attacker.login().expect(200);
      const from = t.sms.messages.length;
      await attacker.post('/auth/2fa/recovery', {}).expect(202);
      const started = t.sms.messages.slice(from).filter((m) => m.to === ALICE && !hasCode(m.body));
      expect({ round, startNotices: started.length }).toEqual({ round, startNotices: 1 });
      t.clock.advanceSeconds(600);
      await owner.post('/auth/2fa/recovery/cancel', {}).expect(200);
      t.clock.advanceSeconds(600);
    }
  });

  it('refuses a third start in a day with 429 recovery_rate_limited (default limit 2)', async () => {
    await t.close();
    t = await createTestApp({});
    const attacker = await t.client();
    for (let round = 0; round < 2; round += 1) {
      await attacker.login().expect(200);
      await attacker.post('/auth/2fa/recovery', {}).expect(202);
      await attacker.post('/auth/2fa/recovery/cancel', {}).expect(200);
    }
    await attacker.login().expect(200);
    const from = t.sms.messages.length;
    const third = await attacker.post('/auth/2fa/recovery', {}).expect(429);
    expect(third.body.error.code).toBe('recovery_rate_limited');
    expect(t.sms.messages.length).toBe(from);
    // The limit is a rolling day.
    t.clock.advanceSeconds(24 * 3600 + 1);
    await attacker.login().expect(200);
    await attacker.post('/auth/2fa/recovery', {}).expect(202);
  });
});
