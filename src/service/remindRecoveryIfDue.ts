import type { Recovery } from '../stores/RecoveryStore';
import { notifyRecovery } from './notifyRecovery';
import type { ServiceContext } from './ServiceContext';

/**
 * Sends the "completes soon" reminder of the user's recovery if it is due and nobody sent it
 * yet: the claim is atomic (one sender however many requests and sweeps notice it at once) and
 * moves the end to at least `remindBeforeHours` after now, so a reminder sent late still leaves
 * the owner that long to cancel. The reminder counts only once it reached a channel (the SMS
 * accepted by the provider, or the host's hook called): when every channel refused or failed
 * (a spend cap, a breaker, a provider outage) the claim is handed back, so the next request or
 * sweep tries again and the recovery cannot complete until `remindBeforeHours` after a
 * delivered reminder. Returns the recovery as it is now (pending, reminded), or `null`.
 */
export async function remindRecoveryIfDue(ctx: ServiceContext, userId: string, nowMs = ctx.config.clock.nowMs()): Promise<Recovery | null> {
  const claimed = await ctx.stores.recoveries.claimReminder(userId, { nowMs, leadMs: ctx.config.recovery.remindBeforeHours * 3_600_000 });
  if (!claimed) return null;
  const reasons = [`recovery=${claimed.id}`, `completes=${new Date(claimed.completesAtMs).toISOString()}`];
  const delivered = await notifyRecovery(ctx, { recovery: claimed, notice: 'reminder', actor: 'system' });
  if (!delivered) {
    // Fail closed: an undelivered reminder must not open the way to completion.
    await ctx.stores.recoveries.releaseReminder(userId, { nowMs, id: claimed.id, remindedAtMs: claimed.remindedAtMs ?? nowMs });
    await ctx.audit.record({ type: 'recovery_reminder_undelivered', outcome: 'failure', userId, reasons });
    return null;
  }
  await ctx.audit.record({ type: 'recovery_reminder', outcome: 'info', userId, reasons });
  return claimed;
}
