import type { Recovery } from '../stores/RecoveryStore';
import { notifyRecovery } from './notifyRecovery';
import type { ServiceContext } from './ServiceContext';

/**
 * Sends the "completes soon" reminder of the user's recovery if it is due and nobody sent it
 * yet: the claim is atomic (one sender however many requests and sweeps notice it at once) and
 * moves the end to at least `remindBeforeHours` after now, so a reminder sent late still leaves
 * the owner that long to cancel. Returns the recovery as it is now (pending), or `null`.
 */
export async function remindRecoveryIfDue(ctx: ServiceContext, userId: string, nowMs = ctx.config.clock.nowMs()): Promise<Recovery | null> {
  const claimed = await ctx.stores.recoveries.claimReminder(userId, { nowMs, leadMs: ctx.config.recovery.remindBeforeHours * 3_600_000 });
  if (!claimed) return null;
  await ctx.audit.record({
    type: 'recovery_reminder',
    outcome: 'info',
    userId,
    reasons: [`recovery=${claimed.id}`, `completes=${new Date(claimed.completesAtMs).toISOString()}`],
  });
  await notifyRecovery(ctx, { recovery: claimed, notice: 'reminder', actor: 'system' });
  return claimed;
}
