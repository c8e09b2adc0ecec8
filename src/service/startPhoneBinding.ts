import type { RequestContext } from '../audit/createAuditWriter';
import type { FactorTimes } from '../core/assurance/types';
import { hasFreshFactor } from './hasFreshFactor';
import { normalizePhone } from '../core/phone/normalizePhone';
import { sendSmsChallenge, type SendSmsChallengeResult } from './sendSmsChallenge';
import { PHONE_BIND_PURPOSE, type ServiceContext } from './ServiceContext';

export type StartPhoneBindingResult =
  | SendSmsChallengeResult
  | { ok: false; reason: 'invalid_phone'; detail: string }
  | { ok: false; reason: 'fresh_password_required' | 'fresh_factor_required' };

/**
 * Step one of binding or changing a number: check the number and the caller's right to change
 * it, then text a code to the new number. Whether the number is already taken is deliberately
 * not checked here: the answer must look the same either way (see confirmPhoneBinding).
 */
export async function startPhoneBinding(
  ctx: ServiceContext,
  input: {
    userId: string;
    bindingId: string;
    phoneInput: string;
    sessionFactors: FactorTimes;
    currentChallengeId?: string;
    context?: RequestContext;
    locale?: string;
  },
): Promise<StartPhoneBindingResult> {
  const { config } = ctx;
  const nowMs = config.clock.nowMs();
  const parsed = normalizePhone(input.phoneInput, config.phone.defaultCountry);
  if (!parsed.ok) return { ok: false, reason: 'invalid_phone', detail: parsed.detail };
  const current = await ctx.stores.phones.getActive(input.userId);
  const seconds = config.phone.freshFactorSeconds;
  if (!current && !hasFreshFactor(input.sessionFactors, nowMs, seconds, 'password')) return { ok: false, reason: 'fresh_password_required' };
  if (current && !hasFreshFactor(input.sessionFactors, nowMs, seconds, 'second')) return { ok: false, reason: 'fresh_factor_required' };
  return sendSmsChallenge(ctx, {
    userId: input.userId,
    bindingId: input.bindingId,
    action: PHONE_BIND_PURPOSE,
    phone: parsed.e164,
    ...(input.currentChallengeId ? { currentChallengeId: input.currentChallengeId } : {}),
    ...(input.context ? { context: input.context } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
  });
}
