import { createStepGuard } from '../../src/createStepGuard';
import { createTestApp, type TestApp } from '../helpers/createTestApp';
import { describeForEachStore } from '../helpers/forEachStore';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/**
 * Issue 14 item 2, the operator's side and the sweep: an operator cancels or shortens a
 * recovery (audited with who and why; the owner still gets the reminder's lead time), the sweep
 * sends due reminders exactly once, and the options are checked at start-up.
 */

const ALICE = 'u1';
const HOUR = 3600;
const DAY_MS = 86_400_000;

useCheapPasswordHashing();

describeForEachStore('self-service recovery: operators and the sweep', (useRedis) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ redis: useRedis });
  });
  afterEach(async () => {
    await t.close();
  });

  const start = async () => {
    const c = await t.client();
    await c.login().expect(200);
    const res = await c.post('/auth/2fa/recovery', {}).expect(202);
    return { c, completesAtMs: Date.parse(res.body.recovery.completesAt) };
  };
  const lastAudit = async (type: string) => {
    let found;
    for await (const e of t.stores.audit.list({ userId: ALICE })) if (e.type === type) found = e;
    return found;
  };
  const notices = (from: number) => t.sms.messages.slice(from).filter((m) => !/#\d+\s*$/.test(m.body)).map((m) => m.body);

  it('an operator cancels a recovery: audited with the operator and the reason, the owner told, and it never completes', async () => {
    const { c } = await start();
    const from = t.sms.messages.length;
    const cancelled = await t.guard.service.cancelRecovery({ userId: ALICE, actor: { admin: 'carol', reason: 'owner called: not her' } });
    expect(cancelled.ok).toBe(true);
    const audit = await lastAudit('recovery_cancelled');
    expect([audit?.actor, audit?.reasons.at(-1)]).toEqual(['admin:carol', 'reason=owner called: not her']);
    expect(notices(from).some((b) => b.includes('cancelled'))).toBe(true);
    expect((await t.guard.service.cancelRecovery({ userId: ALICE, actor: 'user' })).ok).toBe(false);
    t.clock.advanceSeconds(300 * HOUR);
    await c.login().expect(200);
    expect((await c.post('/auth/2fa/recovery/complete', {})).body.error.code).toBe('no_recovery');
  });

  it('an operator shortens the wait, never below the lead time after the reminder it sends at once', async () => {
    const { c, completesAtMs } = await start();
    // Asking for later changes nothing.
    const later = await t.guard.service.shortenRecovery({ userId: ALICE, hours: 500, admin: 'carol', reason: 'typo' });
    expect(later.ok && later.recovery.completesAtMs).toBe(completesAtMs);
    const from = t.sms.messages.length;
    const shortened = await t.guard.service.shortenRecovery({ userId: ALICE, hours: 0, admin: 'carol', reason: 'identity checked at the branch' });
    expect(shortened.ok && shortened.recovery.completesAtMs).toBe(t.clock.nowMs() + DAY_MS);
    expect(notices(from).filter((b) => b.startsWith('Reminder'))).toHaveLength(1);
    expect((await lastAudit('recovery_shortened'))?.actor).toBe('admin:carol');
    t.clock.advanceSeconds(23 * HOUR);
    await c.login().expect(200);
    expect((await c.post('/auth/2fa/recovery/complete', {})).body.error.code).toBe('recovery_not_ready');
    t.clock.advanceSeconds(HOUR);
    await c.login().expect(200);
    await c.post('/auth/2fa/recovery/complete', {}).expect(200);
    expect(await t.guard.service.listEnrolledFactors(ALICE)).toEqual([]);
  });

  it('a shortening from the CLI (no SMS there) leaves the reminder to the app: the next request sends it', async () => {
    const { c } = await start();
    const from = t.sms.messages.length;
    const shortened = await t.guard.service.shortenRecovery({ userId: ALICE, hours: 1, admin: 'carol', reason: 'verified by video call', deferNotices: true });
    expect(shortened.ok && shortened.recovery.remindedAtMs).toBe(null);
    expect(notices(from)).toEqual([]);
    t.clock.advanceSeconds(2 * HOUR);
    await c.login().expect(200);
    // Not complete: the reminder goes out now, and the owner has a full day after it.
    expect((await c.post('/auth/2fa/recovery/complete', {})).body.error.code).toBe('recovery_not_ready');
    expect(notices(from).filter((b) => b.startsWith('Reminder'))).toHaveLength(1);
  });

  it('the sweep sends each due reminder once, to the number and the host hook', async () => {
    await start();
    expect(await t.guard.service.runDueRecoveryNotices()).toEqual({ reminded: 0 });
    t.clock.advanceSeconds(120 * HOUR); // 144 h wait (a new browser), reminder 24 h before
    const from = t.sms.messages.length;
    const [a, b] = await Promise.all([t.guard.service.runDueRecoveryNotices(), t.guard.service.runDueRecoveryNotices()]);
    expect(a.reminded + b.reminded).toBe(1);
    expect(notices(from)).toHaveLength(1);
    expect(await t.guard.service.runDueRecoveryNotices()).toEqual({ reminded: 0 });
  });

  it('is not offered when recovery.enabled is false', async () => {
    const off = await createTestApp({ redis: useRedis, guardOptions: { recovery: { enabled: false } } as never });
    try {
      const c = await off.client();
      await c.login().expect(200);
      expect((await c.post('/auth/2fa/recovery', {})).status).toBe(404);
      expect((await c.get('/auth/2fa/recovery')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('recovery options', () => {
  it('refuses a reminder that would not fall inside the wait, naming the option', () => {
    expect(() => createStepGuard({ environment: 'test', recovery: { waitHours: 24, remindBeforeHours: 24 } })).toThrow(/recovery\.remindBeforeHours: must be less than recovery\.waitHours \(24\)/);
    expect(() => createStepGuard({ environment: 'test', recovery: { waitHourz: 24 } as never })).toThrow(/recovery\.waitHourz: unknown option\. Did you mean `waitHours`\?/);
    expect(createStepGuard({ environment: 'test' }).config.recovery).toEqual({ enabled: true, waitHours: 72, riskWaitMultiplier: 2, remindBeforeHours: 24, maxStartsPerDay: 2 });
  });
});
