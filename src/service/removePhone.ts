import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorChangeRefusal, SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';
import type { ServiceContext } from './ServiceContext';

export type RemovePhoneResult = { ok: true; sessionGeneration: number | null } | { ok: false; reason: 'no_phone' } | FactorChangeRefusal;

/** Removes the user's number through changeFactors: a fresh factor, and another real factor remains. */
export async function removePhone(
  ctx: ServiceContext,
  input: { userId: string; proof: SessionProof; context?: RequestContext },
): Promise<RemovePhoneResult> {
  const current = await ctx.stores.phones.getActive(input.userId);
  if (!current) return { ok: false, reason: 'no_phone' };
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { proof: input.proof },
      change: { op: 'remove', factor: 'sms', ref: current.phoneHash },
      kind: 'phone_removed',
      ...(input.context ? { context: input.context } : {}),
    },
    async () => ({ ok: true as const, value: await ctx.stores.phones.remove(input.userId, ctx.config.clock.nowMs()) }),
  );
  return outcome.ok ? { ok: true, sessionGeneration: outcome.sessionGeneration } : outcome;
}
