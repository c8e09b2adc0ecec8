import assert from 'node:assert/strict';
import type { RecoveryStore, StartRecoveryInput } from '../RecoveryStore';
import { assertSameData } from './assertSameData';
import type { StoreContractCase } from './types';

/**
 * Self-service recovery: one per account, a start never shortens or restarts a pending wait,
 * the reminder is claimed once and leaves the owner its lead time, and of a cancel and a
 * complete exactly one wins.
 */
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KEEP = 30 * DAY;

const startInput = (over: Partial<StartRecoveryInput> = {}): StartRecoveryInput => ({
  userId: 'u1',
  id: 'r1',
  nowMs: T0,
  completesAtMs: T0 + 72 * HOUR,
  remindAtMs: T0 + 48 * HOUR,
  riskExtended: false,
  keepMs: KEEP,
  ...over,
});

/** A pending recovery whose reminder went out at T0 + 48 h, ready at T0 + 72 h. */
async function readyToComplete(recoveries: RecoveryStore): Promise<void> {
  await recoveries.start(startInput());
  assert.ok(await recoveries.claimReminder('u1', { nowMs: T0 + 48 * HOUR, leadMs: 24 * HOUR }), 'the reminder is claimed');
}

export const recoveryStoreContract: readonly StoreContractCase[] = [
  {
    port: 'recoveries',
    name: 'has none until one starts, then the pending recovery as started',
    async run({ recoveries }) {
      assert.equal(await recoveries.get('u1', T0), null, 'before any start');
      const { started, recovery } = await recoveries.start(startInput({ riskExtended: true }));
      assert.equal(started, true);
      const expected = {
        id: 'r1',
        userId: 'u1',
        status: 'pending',
        startedAtMs: T0,
        completesAtMs: T0 + 72 * HOUR,
        remindAtMs: T0 + 48 * HOUR,
        remindedAtMs: null,
        endedAtMs: null,
        endedBy: null,
        riskExtended: true,
      };
      assertSameData(recovery, expected);
      assertSameData(await recoveries.get('u1', T0 + HOUR), expected);
      assert.equal(await recoveries.get('u2', T0 + HOUR), null, 'another user');
    },
  },
  {
    port: 'recoveries',
    name: 'answers a second start with the pending recovery unchanged: the wait is never shortened or restarted',
    async run({ recoveries }) {
      await recoveries.start(startInput());
      const again = await recoveries.start(startInput({ id: 'r2', nowMs: T0 + 10 * HOUR, completesAtMs: T0 + 11 * HOUR, remindAtMs: T0 + 10 * HOUR }));
      assert.equal(again.started, false);
      assert.equal(again.recovery.id, 'r1');
      assert.equal(again.recovery.completesAtMs, T0 + 72 * HOUR);
      const later = await recoveries.start(startInput({ id: 'r3', nowMs: T0 + 20 * HOUR, completesAtMs: T0 + 200 * HOUR, remindAtMs: T0 + 176 * HOUR }));
      assert.equal(later.recovery.id, 'r1', 'nor restarted');
      assert.equal((await recoveries.get('u1', T0 + 21 * HOUR))?.startedAtMs, T0);
    },
  },
  {
    port: 'recoveries',
    name: 'starts exactly one of 10 concurrent starts; all of them see it',
    async run({ recoveries }) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => recoveries.start(startInput({ id: `r${i}` }))));
      assert.equal(results.filter((r) => r.started).length, 1);
      const winner = results.find((r) => r.started)?.recovery.id;
      assert.deepEqual(new Set(results.map((r) => r.recovery.id)), new Set([winner]));
    },
  },
  {
    port: 'recoveries',
    name: 'claims the reminder once, only when due, and leaves the owner the lead time after it',
    async run({ recoveries }) {
      await recoveries.start(startInput());
      assert.equal(await recoveries.claimReminder('u1', { nowMs: T0 + 47 * HOUR, leadMs: 24 * HOUR }), null, 'not due yet');
      // Claimed late (no request came for a day): the end moves so that 24 h still follow it.
      const claimed = await recoveries.claimReminder('u1', { nowMs: T0 + 70 * HOUR, leadMs: 24 * HOUR });
      assert.equal(claimed?.remindedAtMs, T0 + 70 * HOUR);
      assert.equal(claimed?.completesAtMs, T0 + 94 * HOUR);
      assert.equal(await recoveries.claimReminder('u1', { nowMs: T0 + 71 * HOUR, leadMs: 24 * HOUR }), null, 'only once');
      assertSameData(await recoveries.get('u1', T0 + 71 * HOUR), claimed);
      const onTime = await recoveries.start(startInput({ userId: 'u2' }));
      assert.equal(onTime.started, true);
      assert.equal((await recoveries.claimReminder('u2', { nowMs: T0 + 48 * HOUR, leadMs: 24 * HOUR }))?.completesAtMs, T0 + 72 * HOUR, 'on time: the end stays');
    },
  },
  {
    port: 'recoveries',
    name: 'hands back an undelivered reminder claim: due again, not completable, the end kept',
    async run({ recoveries }) {
      await recoveries.start(startInput());
      const claimed = await recoveries.claimReminder('u1', { nowMs: T0 + 70 * HOUR, leadMs: 24 * HOUR });
      assert.ok(claimed);
      assert.equal(await recoveries.releaseReminder('u1', { nowMs: T0 + 70 * HOUR, id: 'other', remindedAtMs: T0 + 70 * HOUR }), false, 'another recovery');
      assert.equal(await recoveries.releaseReminder('u1', { nowMs: T0 + 70 * HOUR, id: 'r1', remindedAtMs: T0 + 69 * HOUR }), false, 'another claim');
      assert.equal(await recoveries.releaseReminder('u1', { nowMs: T0 + 70 * HOUR, id: 'r1', remindedAtMs: T0 + 70 * HOUR }), true);
      const released = await recoveries.get('u1', T0 + 70 * HOUR);
      assert.equal(released?.remindedAtMs, null);
      assert.equal(released?.completesAtMs, T0 + 94 * HOUR, 'the end the claim moved stays');
      assertSameData(await recoveries.due(T0 + 70 * HOUR, 10), ['u1']);
      const refused = await recoveries.complete('u1', { nowMs: T0 + 100 * HOUR, by: 'user' });
      assert.equal(!refused.ok && refused.reason, 'recovery_not_ready', 'no reminder went out');
      const again = await recoveries.claimReminder('u1', { nowMs: T0 + 100 * HOUR, leadMs: 24 * HOUR });
      assert.equal(again?.completesAtMs, T0 + 124 * HOUR, 'a later claim leaves the lead time after it');
      await recoveries.cancel('u1', { nowMs: T0 + 101 * HOUR, by: 'user' });
      assert.equal(await recoveries.releaseReminder('u1', { nowMs: T0 + 101 * HOUR, id: 'r1', remindedAtMs: T0 + 100 * HOUR }), false, 'ended');
    },
  },
  {
    port: 'recoveries',
    name: 'gives exactly one of 10 concurrent reminder claims',
    async run({ recoveries }) {
      await recoveries.start(startInput());
      const claims = await Promise.all(Array.from({ length: 10 }, () => recoveries.claimReminder('u1', { nowMs: T0 + 50 * HOUR, leadMs: 24 * HOUR })));
      assert.equal(claims.filter((c) => c !== null).length, 1);
    },
  },
  {
    port: 'recoveries',
    name: 'completes only after the reminder and the wait, once',
    async run({ recoveries }) {
      await recoveries.start(startInput());
      const early = await recoveries.complete('u1', { nowMs: T0 + 80 * HOUR, by: 'user' });
      assert.equal(early.ok, false);
      assert.equal(!early.ok && early.reason, 'recovery_not_ready', 'no reminder yet');
      await recoveries.claimReminder('u1', { nowMs: T0 + 80 * HOUR, leadMs: 24 * HOUR });
      const beforeEnd = await recoveries.complete('u1', { nowMs: T0 + 103 * HOUR, by: 'user' });
      assert.equal(!beforeEnd.ok && beforeEnd.reason, 'recovery_not_ready', 'inside the lead time');
      assert.equal(!beforeEnd.ok && beforeEnd.reason === 'recovery_not_ready' && beforeEnd.recovery.completesAtMs, T0 + 104 * HOUR);
      const done = await recoveries.complete('u1', { nowMs: T0 + 104 * HOUR, by: 'user' });
      assert.equal(done.ok && done.recovery.status, 'completed');
      assert.equal(done.ok && done.recovery.endedAtMs, T0 + 104 * HOUR);
      assertSameData(await recoveries.complete('u1', { nowMs: T0 + 105 * HOUR, by: 'user' }), { ok: false, reason: 'no_recovery' });
      assertSameData(await recoveries.cancel('u1', { nowMs: T0 + 105 * HOUR, by: 'user' }), { ok: false, reason: 'no_recovery' }, 'a completed one is not cancelled');
    },
  },
  {
    port: 'recoveries',
    name: 'cancels the pending recovery, after which it cannot complete and a new one may start',
    async run({ recoveries }) {
      assertSameData(await recoveries.cancel('u1', { nowMs: T0, by: 'user' }), { ok: false, reason: 'no_recovery' });
      await readyToComplete(recoveries);
      const cancelled = await recoveries.cancel('u1', { nowMs: T0 + 60 * HOUR, by: 'admin:carol' });
      assert.equal(cancelled.ok && cancelled.recovery.status, 'cancelled');
      assert.equal(cancelled.ok && cancelled.recovery.endedBy, 'admin:carol');
      assertSameData(await recoveries.complete('u1', { nowMs: T0 + 80 * HOUR, by: 'user' }), { ok: false, reason: 'no_recovery' });
      assert.equal((await recoveries.get('u1', T0 + 80 * HOUR))?.status, 'cancelled', 'kept, as cancelled');
      const next = await recoveries.start(startInput({ id: 'r2', nowMs: T0 + 81 * HOUR, completesAtMs: T0 + 153 * HOUR, remindAtMs: T0 + 129 * HOUR }));
      assert.equal(next.started, true);
      assert.equal(next.recovery.remindedAtMs, null, 'a new one starts from scratch');
    },
  },
  {
    port: 'recoveries',
    name: 'lets exactly one of a cancel and a complete at the same instant win (10 rounds)',
    async run({ recoveries }) {
      for (let round = 0; round < 10; round += 1) {
        const userId = `race-${round}`;
        await recoveries.start(startInput({ userId }));
        await recoveries.claimReminder(userId, { nowMs: T0 + 48 * HOUR, leadMs: 24 * HOUR });
        const at = T0 + 80 * HOUR;
        const [cancel, complete] = await Promise.all([recoveries.cancel(userId, { nowMs: at, by: 'user' }), recoveries.complete(userId, { nowMs: at, by: 'user' })]);
        assert.equal(Number(cancel.ok) + Number(complete.ok), 1, `round ${round}: cancel ${cancel.ok}, complete ${complete.ok}`);
        assert.equal((await recoveries.get(userId, at))?.status, cancel.ok ? 'cancelled' : 'completed');
      }
    },
  },
  {
    port: 'recoveries',
    name: 'lets an operator shorten the wait, never lengthen it, and never below the lead time after a reminder',
    async run({ recoveries }) {
      assertSameData(await recoveries.shorten('u1', { nowMs: T0, completesAtMs: T0, leadMs: DAY }), { ok: false, reason: 'no_recovery' });
      await recoveries.start(startInput());
      const longer = await recoveries.shorten('u1', { nowMs: T0 + HOUR, completesAtMs: T0 + 500 * HOUR, leadMs: DAY });
      assert.equal(longer.ok && longer.recovery.completesAtMs, T0 + 72 * HOUR, 'never later');
      // No reminder yet: an operator's move makes it due at once; its claim keeps the lead time.
      assert.equal(longer.ok && longer.recovery.remindAtMs, T0 + HOUR, 'the reminder is due at once');
      const now = await recoveries.shorten('u1', { nowMs: T0 + 2 * HOUR, completesAtMs: T0 + 2 * HOUR, leadMs: DAY });
      assert.equal(now.ok && now.recovery.remindAtMs, T0 + HOUR);
      assert.equal(now.ok && now.recovery.completesAtMs, T0 + 2 * HOUR);
      const claimed = await recoveries.claimReminder('u1', { nowMs: T0 + 3 * HOUR, leadMs: DAY });
      assert.equal(claimed?.completesAtMs, T0 + 27 * HOUR);
      const after = await recoveries.shorten('u1', { nowMs: T0 + 4 * HOUR, completesAtMs: T0 + 4 * HOUR, leadMs: DAY });
      assert.equal(after.ok && after.recovery.completesAtMs, T0 + 27 * HOUR, 'a reminder already sent keeps its lead time');
    },
  },
  {
    port: 'recoveries',
    name: 'lists accounts whose reminder is due, and not once it is claimed or the recovery ended',
    async run({ recoveries }) {
      await recoveries.start(startInput({ userId: 'a' }));
      await recoveries.start(startInput({ userId: 'b', remindAtMs: T0 + 10 * HOUR, completesAtMs: T0 + 34 * HOUR }));
      await recoveries.start(startInput({ userId: 'c', remindAtMs: T0 + 20 * HOUR, completesAtMs: T0 + 44 * HOUR }));
      assertSameData(await recoveries.due(T0 + 5 * HOUR, 10), []);
      assertSameData((await recoveries.due(T0 + 30 * HOUR, 10)).sort(), ['b', 'c']);
      assert.equal((await recoveries.due(T0 + 30 * HOUR, 1)).length, 1, 'at most limit');
      await recoveries.claimReminder('b', { nowMs: T0 + 30 * HOUR, leadMs: DAY });
      await recoveries.cancel('c', { nowMs: T0 + 30 * HOUR, by: 'user' });
      assertSameData(await recoveries.due(T0 + 30 * HOUR, 10), []);
      assertSameData(await recoveries.due(T0 + 49 * HOUR, 10), ['a']);
    },
  },
  {
    port: 'recoveries',
    name: 'keeps an ended recovery for keepMs, and forgets a pending one keepMs after its end',
    async run({ recoveries }) {
      await recoveries.start(startInput());
      await recoveries.cancel('u1', { nowMs: T0 + HOUR, by: 'user' });
      assert.equal((await recoveries.get('u1', T0 + HOUR + KEEP - 1))?.status, 'cancelled');
      assert.equal(await recoveries.get('u1', T0 + HOUR + KEEP), null);
      await recoveries.start(startInput({ userId: 'u2' }));
      assert.equal((await recoveries.get('u2', T0 + 72 * HOUR + KEEP - 1))?.status, 'pending');
      assert.equal(await recoveries.get('u2', T0 + 72 * HOUR + KEEP), null, 'never completed: forgotten');
      assert.equal((await recoveries.start(startInput({ userId: 'u2', id: 'r9', nowMs: T0 + 72 * HOUR + KEEP }))).started, true);
    },
  },
];
