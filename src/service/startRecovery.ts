import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorTimes } from '../core/assurance/types';
import { planRecovery, type RecoveryRiskSignals } from '../core/recovery/planRecovery';
import { newRandomId } from '../core/random';
import type { Recovery } from '../stores/RecoveryStore';
import { loadAccountFactors } from './loadAccountFactors';
import { notifyRecovery } from './notifyRecovery';
import { hasFreshPassword } from './hasFreshPassword';
import { pendingRecoveryOf } from './pendingRecoveryOf';
import type { ServiceContext } from './ServiceContext';

/** How long an ended recovery (or one never completed) is kept, for the page and support. */
export const RECOVERY_KEEP_MS = 30 * 86_400_000;
const DAY_MS = 86_400_000;

export type StartRecoveryResult =
  | { ok: true; started: boolean; recovery: Recovery }
  | { ok: false; reason: 'fresh_password_required' | 'nothing_to_recover' | 'not_found' }
  | { ok: false; reason: 'recovery_rate_limited'; retryAfterSeconds: number };

/**
 * A user who lost every factor asks for recovery with a fresh password: a wait starts
 * (`recovery.waitHours`, times `riskWaitMultiplier` from a new device or country) and every
 * channel the account has is told at once. A recovery already pending comes back as it is: a
 * second start neither shortens nor restarts the wait, and sends nothing new. Nothing about the
 * account changes until it completes (see completeRecovery). New recoveries are limited to
 * `recovery.maxStartsPerDay` per account in a rolling day: a password holder looping start and
 * cancel would otherwise text and e-mail the owner without bound.
 */
export async function startRecovery(
  ctx: ServiceContext,
  input: { userId: string; factors: FactorTimes; signals: RecoveryRiskSignals; context?: RequestContext },
): Promise<StartRecoveryResult> {
  const { config } = ctx;
  if (!config.recovery.enabled) return { ok: false, reason: 'not_found' };
  const nowMs = config.clock.nowMs();
  if (!hasFreshPassword(config, input.factors, nowMs)) return { ok: false, reason: 'fresh_password_required' };
  const account = await loadAccountFactors(ctx, input.userId, nowMs);
  // No factor: the binding rule already lets a fresh password add one; nothing to wait for.
  if (account.instances.length === 0) return { ok: false, reason: 'nothing_to_recover' };
  const context = input.context ? { context: input.context } : {};
  const running = await pendingRecoveryOf(ctx, input.userId);
  if (running) {
    await ctx.audit.record({ type: 'recovery_start_repeated', outcome: 'info', userId: input.userId, reasons: [`recovery=${running.id}`], ...context });
    return { ok: true, started: false, recovery: running };
  }
  const plan = planRecovery(config.recovery, input.signals, nowMs);
  const id = newRandomId(config.random);
  const startsKey = `recoveryStart:${input.userId}`;
  const limit = await ctx.stores.rateLimits.add(startsKey, id, config.recovery.maxStartsPerDay, DAY_MS, nowMs);
  if (!limit.allowed) {
    await ctx.audit.record({ type: 'recovery_start_refused', outcome: 'blocked', userId: input.userId, reasons: ['recovery_rate_limited'], ...context });
    return { ok: false, reason: 'recovery_rate_limited', retryAfterSeconds: Math.max(1, Math.ceil(limit.retryAfterMs / 1000)) };
  }
  // Recorded before it exists: an unrecorded recovery is worse than a recorded one that did not start.
  await ctx.audit.record({
    type: 'recovery_started',
    outcome: 'success',
    userId: input.userId,
    reasons: [`recovery=${id}`, `completes=${new Date(plan.completesAtMs).toISOString()}`, ...(plan.riskExtended ? ['wait=extended_new_device_or_country'] : [])],
    ...context,
  });
  const { started, recovery } = await ctx.stores.recoveries.start({
    userId: input.userId,
    id,
    nowMs,
    completesAtMs: plan.completesAtMs,
    remindAtMs: plan.remindAtMs,
    riskExtended: plan.riskExtended,
    keepMs: RECOVERY_KEEP_MS,
  });
  // Lost a race to another start: that one counts, this one does not.
  if (!started) await ctx.stores.rateLimits.remove(startsKey, id);
  if (started) await notifyRecovery(ctx, { recovery, notice: 'started', actor: 'user' });
  return { ok: true, started, recovery };
}
