import type { TestApp } from '../helpers/createTestApp';
import { createTestAppOn, describeForEachBackend } from '../helpers/forEachStore';
import { useCheapPasswordHashing } from '../helpers/cheapPasswordHashing';

/**
 * Issue 14 item 2: the owner's cancel and the attacker's complete of a recovery that is ready,
 * sent at the same instant over HTTP, 50 rounds on memory, Redis and the 3-master Cluster.
 * Either the cancel wins (the factors stay) or the complete happened first (they are gone and
 * the cancel finds nothing); never both.
 */

const ALICE = { id: 'u1', phone: '+14155550123' };
const HOUR = 3600;

useCheapPasswordHashing();

describeForEachBackend('self-service recovery: cancel racing complete', (backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestAppOn(backend);
  });
  afterEach(() => t.close());

  const signedIn = async () => {
    const c = await t.client();
    await c.login().expect(200);
    return c;
  };

  it('lets a cancel or a complete at the same instant win, never both (50 rounds)', async () => {
    const outcomes = { cancelled: 0, completed: 0 };
    for (let round = 0; round < 50; round += 1) {
      if (!(await t.guard.service.phoneBindingOf(ALICE.id))) await t.guard.service.bindPhoneUnchecked(ALICE.id, ALICE.phone);
      const asked = await t.guard.service.startRecovery({ userId: ALICE.id, factors: { pwd: t.clock.nowMs() }, signals: {} });
      expect(asked.ok && asked.started).toBe(true);
      t.clock.advanceSeconds(48 * HOUR);
      expect(await t.guard.service.runDueRecoveryNotices()).toEqual({ reminded: 1 });
      t.clock.advanceSeconds(24 * HOUR);
      const [owner, attacker] = await Promise.all([signedIn(), signedIn()]);
      const [cancel, complete] = await Promise.all([owner.post('/auth/2fa/recovery/cancel', {}), attacker.post('/auth/2fa/recovery/complete', {})]);
      const statuses = [cancel.status, complete.status];
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      const gone = (await t.guard.service.phoneBindingOf(ALICE.id)) === null;
      if (cancel.status === 200) {
        expect([complete.body.error?.code, gone]).toEqual(['no_recovery', false]);
        outcomes.cancelled += 1;
      } else {
        expect([cancel.body.error?.code, gone]).toEqual(['no_recovery', true]);
        outcomes.completed += 1;
      }
      // The cool-off of a completed round must not leak into the next: start each from scratch.
      t.clock.advanceSeconds(8 * 24 * HOUR);
    }
    expect(outcomes.cancelled + outcomes.completed).toBe(50);
  }, 45_000);
});
