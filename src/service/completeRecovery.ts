import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorTimes } from '../core/assurance/types';
import type { Recovery } from '../stores/RecoveryStore';
import { changeFactors } from './changeFactors';
import { hasFreshPassword } from './hasFreshPassword';
import { remindRecoveryIfDue } from './remindRecoveryIfDue';
import type { ServiceContext } from './ServiceContext';

export type CompleteRecoveryResult =
  | { ok: true; recovery: Recovery; removed: number; coolOffUntilMs: number | null; sessionGeneration: number | null }
  | { ok: false; reason: 'fresh_password_required' | 'no_recovery' | 'not_found' }
  | { ok: false; reason: 'recovery_not_ready'; completesAtMs: number };

/**
 * The end of a recovery: the user, back after the wait with a fresh password, completes it.
 * The store's step is atomic and only succeeds for a pending recovery whose reminder went out
 * and whose wait is over, so a recovery the owner cancelled can never complete, and of a
 * cancel and a complete at once exactly one wins. Then every factor goes through
 * changeFactors (audit, account cool-off, trusted devices and every session revoked, the old
 * number and the host hook told), and the user enrols again: the binding rule lets a fresh
 * password bind a first factor, which stays out of high-risk actions until the cool-off ends.
 */
export async function completeRecovery(
  ctx: ServiceContext,
  input: { userId: string; factors: FactorTimes; context?: RequestContext },
): Promise<CompleteRecoveryResult> {
  const { config, stores } = ctx;
  if (!config.recovery.enabled) return { ok: false, reason: 'not_found' };
  const nowMs = config.clock.nowMs();
  if (!hasFreshPassword(config, input.factors, nowMs)) return { ok: false, reason: 'fresh_password_required' };
  // A reminder nobody sent yet goes out now (and moves the end to a full lead time from now).
  await remindRecoveryIfDue(ctx, input.userId, nowMs);
  const ended = await stores.recoveries.complete(input.userId, { nowMs, by: 'user' });
  if (!ended.ok) {
    if (ended.reason === 'recovery_not_ready') return { ok: false, reason: 'recovery_not_ready', completesAtMs: ended.recovery.completesAtMs };
    return { ok: false, reason: 'no_recovery' };
  }
  const { recovery } = ended;
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { recovery: recovery.id },
      change: { op: 'remove_all' },
      kind: 'recovery_completed',
      ...(input.context ? { context: input.context } : {}),
    },
    async () => {
      const phone = await stores.phones.remove(input.userId, nowMs);
      const factors = await stores.factors.removeAll(input.userId);
      return { ok: true as const, value: (phone ? 1 : 0) + factors };
    },
  );
  // The recovery's authority replaces the binding rule (as an operator's does): no refusal comes back.
  if (!outcome.ok) throw new Error(`completeRecovery: the factor change was refused (${outcome.reason})`);
  return { ok: true, recovery, removed: outcome.value, coolOffUntilMs: outcome.coolOffUntilMs, sessionGeneration: outcome.sessionGeneration };
}
