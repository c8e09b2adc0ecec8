import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorTimes } from '../core/assurance/types';
import { hasFreshFactor } from './hasFreshFactor';
import type { ServiceContext } from './ServiceContext';
import { revokeAllTrustedDevices } from './trustedDevices';

export type RemovePhoneResult =
  | { ok: true }
  | { ok: false; reason: 'no_phone' | 'fresh_factor_required' | 'last_factor' };

/** Removes the user's number, if a fresh factor says it is them and another factor remains. */
export async function removePhone(
  ctx: ServiceContext,
  input: { userId: string; sessionFactors: FactorTimes; context?: RequestContext },
): Promise<RemovePhoneResult> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const current = await stores.phones.getActive(input.userId);
  if (!current) return { ok: false, reason: 'no_phone' };
  if (!hasFreshFactor(input.sessionFactors, nowMs, config.phone.freshFactorSeconds, 'second')) {
    return { ok: false, reason: 'fresh_factor_required' };
  }
  if ((await stores.factors.list(input.userId)).length === 0) return { ok: false, reason: 'last_factor' };
  await ctx.audit.record({
    type: 'phone_removed',
    outcome: 'success',
    userId: input.userId,
    phone: current.e164,
    ...(input.context ? { context: input.context } : {}),
  });
  await stores.phones.remove(input.userId, nowMs);
  await revokeAllTrustedDevices(ctx, input.userId, 'phone_removed');
  return { ok: true };
}
