import type { RequestContext } from '../audit/createAuditWriter';
import type { Recovery } from '../stores/RecoveryStore';
import { notifyRecovery } from './notifyRecovery';
import type { ServiceContext } from './ServiceContext';

/** Who cancels: the account's own signed-in session, or an operator with a reason. */
export type RecoveryActor = 'user' | { admin: string; reason: string };

/**
 * Cancels the user's pending recovery. Any signed-in session may (the owner who still has a
 * factor may be signed in with the password only, and cancelling takes nothing away). The
 * store's step is atomic against completing: of a cancel and a complete at once exactly one
 * wins. Audited with who cancelled, then told on every channel.
 */
export async function cancelRecovery(
  ctx: ServiceContext,
  input: { userId: string; actor: RecoveryActor; context?: RequestContext },
): Promise<{ ok: true; recovery: Recovery } | { ok: false; reason: 'no_recovery' }> {
  const by = input.actor === 'user' ? 'user' : `admin:${input.actor.admin}`;
  const result = await ctx.stores.recoveries.cancel(input.userId, { nowMs: ctx.config.clock.nowMs(), by });
  if (!result.ok) return { ok: false, reason: 'no_recovery' };
  await ctx.audit.record({
    type: 'recovery_cancelled',
    outcome: 'success',
    userId: input.userId,
    actor: by,
    reasons: [`recovery=${result.recovery.id}`, ...(input.actor === 'user' ? [] : [`reason=${input.actor.reason.slice(0, 500)}`])],
    ...(input.context ? { context: input.context } : {}),
  });
  await notifyRecovery(ctx, { recovery: result.recovery, notice: 'cancelled', actor: by });
  return { ok: true, recovery: result.recovery };
}
