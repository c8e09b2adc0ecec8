import type { FactorRefs, FactorTimes } from '../core/assurance/types';
import { usableFactorTimes } from '../core/assurance/usableFactorTimes';
import { loadAccountFactors } from './loadAccountFactors';
import type { ServiceContext } from './ServiceContext';

/**
 * The session's factor times that can approve a high-risk action now: verified with a factor
 * the account still has and that was not added during its cool-off (DESIGN.md §5).
 */
export async function highRiskFactorTimes(ctx: ServiceContext, input: { userId: string; factors: FactorTimes; refs: FactorRefs }): Promise<FactorTimes> {
  const nowMs = ctx.config.clock.nowMs();
  const account = await loadAccountFactors(ctx, input.userId, nowMs);
  const cooling = account.coolOff && account.coolOff.untilMs > nowMs ? account.coolOff.addedRefs : [];
  return usableFactorTimes(input.factors, input.refs, account.instances, cooling);
}
