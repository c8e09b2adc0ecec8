import type { HttpJar, JarResponse } from '../httpJar';
import { ALICE, type Model } from './modelTypes';
import { ownerLogin } from './ownerMoves';
import type { World } from './World';

/**
 * Self-service recovery in the attacker model (issue 14 item 2): the attacker starts and tries
 * to complete a recovery of alice's account; alice, reading her phone, cancels it from a tab.
 * The invariant: the attacker never ends up owning alice's factors while she cancelled in time.
 * A recovery she did not cancel completes only after its wait and after her number was told
 * (start and reminder); from then on the account is lost to her, and the model says so
 * (`m.recovery.lost`) instead of holding the attacker checks against a legitimate outcome.
 */

export type RecoveryMove = 'recovery-start' | 'recovery-complete' | 'recovery-cancel';

const PAGE = '/auth/2fa/recovery';
/** Texts without a code: security notices. */
const isNotice = (body: string) => !/#\d+\s*$/.test(body);

/** An SMS notice to alice's number since `from`, or a notice refused and audited (the budget). */
async function told(w: World, phone: string | null, from: { sms: number; audits: number }, words: RegExp): Promise<boolean> {
  if (!phone) return true;
  return w.eventually(
    () =>
      w.sms.slice(from.sms).some((m) => m.to === phone && isNotice(m.body) && words.test(m.body)) ||
      w.audits.slice(from.audits).some((e) => e.type === 'notice_blocked' && e.userId === ALICE.id),
  );
}

/** The attacker's recovery moves (alice's account for the password attacker and the thief; bob's own for bob). */
export async function attackRecovery(w: World, m: Model, move: RecoveryMove, signIn: () => Promise<void>): Promise<void> {
  const jar = w.attacker;
  // A fresh password for start and complete: the attacker who has it signs in again.
  if (w.kind !== 'stolen-cookie' && move !== 'recovery-cancel') await signIn();
  const phone = await w.boundPhone();
  const from = { sms: w.sms.length, audits: w.audits.length, events: w.events.length };
  if (move === 'recovery-start') {
    const res = await jar.post(PAGE, {});
    if (w.kind === 'other-user' || res.status !== 202) return;
    w.count('recovery: started by the attacker');
    m.recovery = { ...m.recovery, state: 'pending', completesAtMs: Date.parse(res.body?.recovery?.completesAt) };
    // Nobody silences the owner: her number hears of it at once (or the refusal is audited), and so does the host hook.
    if (!(await told(w, phone, from, /recover/i)) && w.checks('accounting')) w.fail('accounting', 'a recovery started without a notice to alice\'s number and without a notice_blocked audit');
    if (!w.hookMissing && !(await w.eventually(() => w.events.slice(from.events).some((e) => e.type === 'recovery_started' && e.userId === ALICE.id))) && w.checks('accounting')) {
      w.fail('accounting', 'a recovery started without onSecurityEvent recovery_started');
    }
    return;
  }
  if (move === 'recovery-cancel') {
    // Bob's cancel is his own account's: alice's recovery must still be pending after it.
    const before = await w.t.guard.service.recoveryOf(ALICE.id);
    await jar.post(`${PAGE}/cancel`, {});
    const after = await w.t.guard.service.recoveryOf(ALICE.id);
    if (w.kind === 'other-user' && before?.status === 'pending' && after?.status !== 'pending' && w.checks('attacker')) w.fail('attacker', 'bob cancelled alice\'s recovery');
    return;
  }
  const res = await jar.post(`${PAGE}/complete`, {});
  await judgeCompletion(w, m, res, phone);
}

/** A complete that answered 200 must be one alice let happen: pending, not cancelled, past its wait, and her number told. */
async function judgeCompletion(w: World, m: Model, res: JarResponse, phoneBefore: string | null): Promise<void> {
  if (res.status !== 200) {
    if (w.kind !== 'other-user' && m.recovery.state !== 'none') w.count(m.recovery.state === 'cancelled' ? 'recovery: complete refused after alice cancelled' : 'recovery: complete refused');
    return;
  }
  if (w.kind === 'other-user') return; // bob's own account (he has no factor: never happens)
  const check = w.checks('attacker');
  if (check && m.recovery.state !== 'pending') w.fail('attacker', `the attacker completed a recovery of alice's account that was ${m.recovery.state} (alice cancelled it in time)`);
  if (check && w.t.clock.nowMs() < m.recovery.completesAtMs) w.fail('attacker', 'the attacker completed a recovery before its wait was over');
  // Her number was reminded, and she had the whole lead time after it to cancel.
  const ended = await w.t.guard.service.recoveryOf(ALICE.id);
  const leadMs = w.t.guard.config.recovery.remindBeforeHours * 3_600_000;
  if (check && (ended?.remindedAtMs == null || (ended.endedAtMs ?? 0) - ended.remindedAtMs < leadMs)) {
    w.fail('attacker', `a recovery completed without its reminder ${leadMs / 3_600_000} h before (reminded ${ended?.remindedAtMs}, ended ${ended?.endedAtMs})`);
  }
  const left = await w.snapshot();
  if (check && left.factors !== JSON.stringify({ phone: null, factors: [] })) w.fail('attacker', `a completed recovery left alice's factors as ${left.factors}`);
  w.count('recovery: completed (alice did not cancel)');
  w.note(`  = recovery completed by the attacker; alice had ${phoneBefore ? `…${phoneBefore.slice(-2)}` : 'no number'} and did not cancel: the account is lost to her`);
  m.recovery = { ...m.recovery, state: 'completed', lost: true };
}

/** Alice reads the notice and cancels from a tab (signed in with her password: that is enough). */
export async function ownerCancelRecovery(w: World, m: Model, tab: number): Promise<void> {
  if (!m.tabs[tab]?.signedIn) await ownerLogin(w, m, tab);
  const res = await (w.tabs[tab] as HttpJar).post(`${PAGE}/cancel`, {});
  if (res.status === 200) {
    w.count('recovery: cancelled by alice');
    m.recovery = { ...m.recovery, state: 'cancelled' };
    return;
  }
  // Nothing pending: the model follows the store (a recovery it believed pending could only have expired).
  const now = await w.t.guard.service.recoveryOf(ALICE.id);
  if (m.recovery.state === 'pending' && now?.status === 'completed' && w.checks('attacker')) w.fail('attacker', 'a recovery completed without the model seeing a complete that answered 200');
  if (m.recovery.state === 'pending') m.recovery = { ...m.recovery, state: now?.status ?? 'none' };
}
