import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorChangeRefusal, SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';
import { listEnrolledFactors } from './listEnrolledFactors';
import type { ServiceContext } from './ServiceContext';

export type RemoveFactorResult = { ok: true; sessionGeneration: number | null } | { ok: false; reason: 'not_enrolled' } | FactorChangeRefusal;

/** Removes one authenticator app or passkey through changeFactors; never the last real factor. */
export async function removeFactor(
  ctx: ServiceContext,
  input: { userId: string; factorId: string; proof: SessionProof; context?: RequestContext },
): Promise<RemoveFactorResult> {
  const factor = (await ctx.stores.factors.list(input.userId)).find((f) => f.id === input.factorId && f.type !== 'backup_codes');
  if (!factor) return { ok: false, reason: 'not_enrolled' };
  const totp = factor.type === 'totp';
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { proof: input.proof },
      change: { op: 'remove', factor: totp ? 'otp' : 'webauthn', ref: factor.id },
      kind: totp ? 'totp_removed' : 'passkey_removed',
      ...(input.context ? { context: input.context } : {}),
    },
    async () => ({ ok: true as const, value: await ctx.stores.factors.remove(input.userId, factor.id) }),
  );
  return outcome.ok ? { ok: true, sessionGeneration: outcome.sessionGeneration } : outcome;
}

export { listEnrolledFactors };
