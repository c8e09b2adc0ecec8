import type { RequestContext } from '../audit/createAuditWriter';
import { maskPhone } from '../core/phone/maskPhone';
import { hashPhone } from '../core/phone/hashPhone';
import { normalizePhone } from '../core/phone/normalizePhone';
import { verifySmsChallenge, type VerifySmsChallengeResult } from './verifySmsChallenge';
import type { ServiceContext } from './ServiceContext';
import { sendSecurityNotice } from './sendSecurityNotice';
import { revokeAllTrustedDevices } from './trustedDevices';

export type ConfirmPhoneBindingResult =
  | { ok: true; maskedPhone: string; changed: boolean; coolOffUntilMs: number | null }
  | Exclude<VerifySmsChallengeResult, { ok: true }>
  | { ok: false; reason: 'phone_unavailable' };

/**
 * Step two: the code proves the new number receives texts; only then is it bound. A number
 * already on the maximum number of accounts is refused here, to someone who just proved they
 * hold it, so the refusal reveals nothing to anyone else. A change notifies the old number.
 */
export async function confirmPhoneBinding(
  ctx: ServiceContext,
  input: { userId: string; bindingId: string; challengeId: string; code: string; context?: RequestContext },
): Promise<ConfirmPhoneBindingResult> {
  const { config } = ctx;
  const verified = await verifySmsChallenge(ctx, { ...input, expect: 'phone_bind' });
  if (!verified.ok) return verified;
  const nowMs = config.clock.nowMs();
  const phone = verified.phone;
  const country = normalizePhone(phone).ok ? ((normalizePhone(phone) as { country?: string }).country ?? null) : null;
  const auditBase = { userId: input.userId, phone, country, ...(input.context ? { context: input.context } : {}) };
  const bound = await ctx.stores.phones.bind({
    userId: input.userId,
    e164: phone,
    phoneHash: hashPhone(config.secrets.pepper, phone),
    country,
    nowMs,
    maxAccountsPerNumber: config.phone.maxAccountsPerNumber,
  });
  if (!bound.ok) {
    await ctx.audit.record({ type: 'phone_bind_refused', outcome: 'blocked', reasons: ['number_reuse_limit'], ...auditBase });
    return { ok: false, reason: 'phone_unavailable' };
  }
  const previous = bound.previous && bound.previous.phoneHash !== bound.binding.phoneHash ? bound.previous : null;
  await ctx.audit.record({ type: previous ? 'phone_changed' : 'phone_bound', outcome: 'success', ...auditBase });
  await revokeAllTrustedDevices(ctx, input.userId, previous ? 'phone_changed' : 'phone_bound');
  if (previous) {
    await sendSecurityNotice(ctx, {
      userId: input.userId,
      to: previous.e164,
      country: previous.country,
      template: 'phoneChanged',
      values: { last2: phone.slice(-2) },
      idempotencyKey: `phone-change.${input.challengeId}`,
    });
  }
  return {
    ok: true,
    maskedPhone: maskPhone(phone),
    changed: previous !== null,
    coolOffUntilMs: previous ? nowMs + config.phone.changeCoolOffSeconds * 1000 : null,
  };
}
