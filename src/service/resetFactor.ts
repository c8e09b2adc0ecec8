import type { FactorType } from '../stores/types';
import type { ServiceContext } from './ServiceContext';
import { revokeAllTrustedDevices } from './trustedDevices';

export type ResettableFactor = FactorType | 'sms';

/** An administrator removes a user's factor (lost phone, lost authenticator). Always audited. */
export async function resetFactor(
  ctx: ServiceContext,
  input: { userId: string; factor: ResettableFactor; reason: string; admin: string },
): Promise<{ removed: number }> {
  const nowMs = ctx.config.clock.nowMs();
  let removed = 0;
  let phone: string | null = null;
  if (input.factor === 'sms') {
    const binding = await ctx.stores.phones.getActive(input.userId);
    phone = binding?.e164 ?? null;
  } else {
    removed = (await ctx.stores.factors.list(input.userId, input.factor)).length;
  }
  // The record first: an unrecorded admin action is worse than a failed one.
  await ctx.audit.record({
    type: 'factor_reset',
    outcome: 'success',
    userId: input.userId,
    actor: `admin:${input.admin}`,
    factor: input.factor,
    reasons: [input.reason.slice(0, 500)],
    phone,
  });
  if (input.factor === 'sms') {
    removed = (await ctx.stores.phones.remove(input.userId, nowMs)) ? 1 : 0;
  } else {
    removed = await ctx.stores.factors.removeAll(input.userId, input.factor);
  }
  await revokeAllTrustedDevices(ctx, input.userId, 'factor_reset');
  return { removed };
}
