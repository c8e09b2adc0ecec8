import type { Recovery } from '../stores/RecoveryStore';
import { remindRecoveryIfDue } from './remindRecoveryIfDue';
import type { ServiceContext } from './ServiceContext';

/**
 * The user's pending recovery, or `null`; on the way, a due reminder is sent (this is how
 * requests drive reminders lazily, besides the runDueRecoveryNotices sweep).
 */
export async function pendingRecoveryOf(ctx: ServiceContext, userId: string): Promise<Recovery | null> {
  const nowMs = ctx.config.clock.nowMs();
  const recovery = await ctx.stores.recoveries.get(userId, nowMs);
  if (recovery?.status !== 'pending') return null;
  if (recovery.remindedAtMs === null && recovery.remindAtMs <= nowMs) return (await remindRecoveryIfDue(ctx, userId, nowMs)) ?? (await ctx.stores.recoveries.get(userId, nowMs));
  return recovery;
}
