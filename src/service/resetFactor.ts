import type { FactorType } from '../stores/types';
import { changeFactors } from './changeFactors';
import type { ServiceContext } from './ServiceContext';

export type ResettableFactor = FactorType | 'sms';

const FACTOR_OF = { sms: 'sms', totp: 'otp', webauthn: 'webauthn', backup_codes: 'backup' } as const;

/**
 * An operator removes a user's factor (lost phone, lost authenticator). It goes through
 * changeFactors like any change — audited with the operator and the reason, the account
 * cool-off, trusted devices and sessions revoked, every channel told — only the user's
 * step-up is replaced by the operator's authority.
 */
export async function resetFactor(
  ctx: ServiceContext,
  input: { userId: string; factor: ResettableFactor; reason: string; admin: string },
): Promise<{ removed: number }> {
  const nowMs = ctx.config.clock.nowMs();
  const factor = FACTOR_OF[input.factor];
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { admin: input.admin, reason: input.reason },
      // The ref only names what goes; for the operator path no last-factor rule applies.
      change: factor === 'backup' ? { op: 'replace', factor: 'backup' } : { op: 'remove', factor, ref: `reset:${input.factor}` },
      kind: 'factor_reset',
    },
    async () => {
      if (input.factor === 'sms') return { ok: true as const, value: (await ctx.stores.phones.remove(input.userId, nowMs)) ? 1 : 0 };
      return { ok: true as const, value: await ctx.stores.factors.removeAll(input.userId, input.factor) };
    },
  );
  if (!outcome.ok) throw new Error(`resetFactor: refused (${outcome.reason})`);
  return { removed: outcome.value };
}
