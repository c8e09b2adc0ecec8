import type { Recovery } from '../stores/RecoveryStore';
import { notifyRecovery } from './notifyRecovery';
import { remindRecoveryIfDue } from './remindRecoveryIfDue';
import type { ServiceContext } from './ServiceContext';

/**
 * An operator (support desk, CLI) shortens the user's pending recovery so that it may complete
 * `hours` from now at the latest; it never gets longer. The owner is still told and still gets
 * `recovery.remindBeforeHours` after the reminder to cancel: the reminder becomes due now, and
 * the end moves to at least that long after it is sent. Audited with the operator and reason.
 * `deferNotices` (the CLI, which cannot send): the app sends the reminder on its next request
 * or sweep, and the recovery cannot complete before.
 */
export async function shortenRecovery(
  ctx: ServiceContext,
  input: { userId: string; hours: number; admin: string; reason: string; deferNotices?: boolean },
): Promise<{ ok: true; recovery: Recovery } | { ok: false; reason: 'no_recovery' }> {
  if (!Number.isFinite(input.hours) || input.hours < 0) throw new TypeError(`shortenRecovery: hours must be a number of hours >= 0, got ${input.hours}`);
  const nowMs = ctx.config.clock.nowMs();
  const leadMs = ctx.config.recovery.remindBeforeHours * 3_600_000;
  const result = await ctx.stores.recoveries.shorten(input.userId, { nowMs, completesAtMs: nowMs + Math.round(input.hours * 3_600_000), leadMs });
  if (!result.ok) return { ok: false, reason: 'no_recovery' };
  const actor = `admin:${input.admin}`;
  await ctx.audit.record({
    type: 'recovery_shortened',
    outcome: 'success',
    userId: input.userId,
    actor,
    reasons: [`recovery=${result.recovery.id}`, `completes=${new Date(result.recovery.completesAtMs).toISOString()}`, `reason=${input.reason.slice(0, 500)}`],
  });
  if (input.deferNotices) return result;
  const reminded = await remindRecoveryIfDue(ctx, input.userId, nowMs);
  // Already reminded before: the owner still hears that the end moved.
  if (!reminded) await notifyRecovery(ctx, { recovery: result.recovery, notice: 'shortened', actor });
  return { ok: true, recovery: reminded ?? result.recovery };
}
