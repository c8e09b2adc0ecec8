import type { RequestContext } from '../audit/createAuditWriter';
import { normalizePhone } from '../core/phone/normalizePhone';
import { authorizeFactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { sendSmsChallenge, type SendSmsChallengeResult } from './sendSmsChallenge';
import { PHONE_BIND_PURPOSE, type ServiceContext } from './ServiceContext';

export type StartPhoneBindingResult =
  | SendSmsChallengeResult
  | { ok: false; reason: 'invalid_phone'; detail: string }
  | FactorChangeRefusal;

/**
 * Step one of binding or changing a number: check the number and the caller's right to change
 * factors (the binding rule, checked again at step two), then text a code to the new number.
 * Whether the number is already taken is deliberately not checked here: the answer must look
 * the same either way (see confirmPhoneBinding).
 */
export async function startPhoneBinding(
  ctx: ServiceContext,
  input: {
    userId: string;
    bindingId: string;
    phoneInput: string;
    proof: SessionProof;
    currentChallengeId?: string;
    context?: RequestContext;
    locale?: string | undefined;
  },
): Promise<StartPhoneBindingResult> {
  const { config } = ctx;
  const parsed = normalizePhone(input.phoneInput, config.phone.defaultCountry);
  if (!parsed.ok) return { ok: false, reason: 'invalid_phone', detail: parsed.detail };
  const current = await ctx.stores.phones.getActive(input.userId);
  const allowed = await authorizeFactorChange(ctx, {
    userId: input.userId,
    proof: input.proof,
    change: current ? { op: 'replace', factor: 'sms' } : { op: 'add', factor: 'sms' },
  });
  if (!allowed.ok) return allowed;
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
