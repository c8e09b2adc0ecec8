import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorTimes } from '../core/assurance/types';
import { hasFreshFactor } from './hasFreshFactor';
import { listEnrolledFactors } from './listEnrolledFactors';
import type { ServiceContext } from './ServiceContext';
import { revokeAllTrustedDevices } from './trustedDevices';

export type RemoveFactorResult = { ok: true } | { ok: false; reason: 'not_enrolled' | 'fresh_factor_required' | 'last_factor' };

/** Removes one enrolled factor (an authenticator app or a passkey), never the last second factor. */
export async function removeFactor(
  ctx: ServiceContext,
  input: { userId: string; factorId: string; sessionFactors: FactorTimes; context?: RequestContext },
): Promise<RemoveFactorResult> {
  const { config, stores } = ctx;
  const factors = await stores.factors.list(input.userId);
  const factor = factors.find((f) => f.id === input.factorId && f.type !== 'backup_codes');
  if (!factor) return { ok: false, reason: 'not_enrolled' };
  if (!hasFreshFactor(input.sessionFactors, config.clock.nowMs(), config.phone.freshFactorSeconds, 'second')) {
    return { ok: false, reason: 'fresh_factor_required' };
  }
  const others = factors.filter((f) => f.id !== factor.id && f.type !== 'backup_codes');
  const phone = await stores.phones.getActive(input.userId);
  if (others.length === 0 && !phone) return { ok: false, reason: 'last_factor' };
  await ctx.audit.record({
    type: 'factor_removed',
    outcome: 'success',
    userId: input.userId,
    factor: factor.type === 'totp' ? 'otp' : 'webauthn',
    ...(input.context ? { context: input.context } : {}),
  });
  await stores.factors.remove(input.userId, factor.id);
  await revokeAllTrustedDevices(ctx, input.userId, 'factor_removed');
  return { ok: true };
}

export { listEnrolledFactors };
