import type { FactorRefs, FactorTimes } from '../core/assurance/types';
import { usableFactorTimes } from '../core/assurance/usableFactorTimes';
import { waitingFirstFactorRefs } from '../core/assurance/waitingFirstFactorRefs';
import { loadAccountFactors } from './loadAccountFactors';
import type { ServiceContext } from './ServiceContext';

/**
 * The session's factor times that can approve a high-risk action now: verified with a factor
 * the account still has and that was not added during its cool-off (DESIGN.md §5). With
 * `firstFactorWaitSeconds` (the admin console), a factor enrolled with the password alone (or on
 * the step-up of backup codes or of another factor still waiting) counts only once that long has
 * passed since (waitingFirstFactorRefs).
 */
export async function highRiskFactorTimes(
  ctx: ServiceContext,
  input: { userId: string; factors: FactorTimes; refs: FactorRefs; firstFactorWaitSeconds?: number },
): Promise<FactorTimes> {
  const nowMs = ctx.config.clock.nowMs();
  const account = await loadAccountFactors(ctx, input.userId, nowMs);
  const cooling = account.coolOff && account.coolOff.untilMs > nowMs ? account.coolOff.addedRefs : [];
  const waiting = input.firstFactorWaitSeconds
    ? waitingFirstFactorRefs(
        [
          ...(account.phone ? [{ ref: account.phone.phoneHash, enrolledAtMs: account.phone.boundAtMs }] : []),
          ...account.factors.map((f) => ({ ref: f.id, enrolledAtMs: f.createdAtMs, vouches: f.type !== 'backup_codes' })),
        ],
        { nowMs, waitSeconds: input.firstFactorWaitSeconds },
      )
    : [];
  return usableFactorTimes(input.factors, input.refs, account.instances, [...cooling, ...waiting]);
}
