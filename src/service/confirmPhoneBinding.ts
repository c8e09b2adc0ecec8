import type { RequestContext } from '../audit/createAuditWriter';
import { maskPhone } from '../core/phone/maskPhone';
import { hashPhone } from '../core/phone/hashPhone';
import { normalizePhone, NUMBERING_PLAN } from '../core/phone/normalizePhone';
import { authorizeFactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';
import { verifySmsChallenge, type VerifySmsChallengeResult } from './verifySmsChallenge';
import type { ServiceContext } from './ServiceContext';

export type ConfirmPhoneBindingResult =
  | { ok: true; maskedPhone: string; changed: boolean; coolOffUntilMs: number | null; sessionGeneration: number | null }
  | Exclude<VerifySmsChallengeResult, { ok: true }>
  | FactorChangeRefusal
  | { ok: false; reason: 'phone_unavailable' };

/**
 * Step two: the code proves the new number receives texts; only then is it bound, through
 * changeFactors (binding rule, audit, cool-off, notice to the old number, sessions). A number
 * already on the maximum number of accounts is refused here, to someone who just proved they
 * hold it, so the refusal reveals nothing to anyone else.
 */
export async function confirmPhoneBinding(
  ctx: ServiceContext,
  input: { userId: string; bindingId: string; challengeId: string; code: string; proof: SessionProof; context?: RequestContext },
): Promise<ConfirmPhoneBindingResult> {
  const { config } = ctx;
  const current = await ctx.stores.phones.getActive(input.userId);
  // The rule again before the code is spent: the step-up may have aged since step one.
  const change = current ? ({ op: 'replace', factor: 'sms' } as const) : ({ op: 'add', factor: 'sms' } as const);
  const allowed = await authorizeFactorChange(ctx, { userId: input.userId, proof: input.proof, change });
  if (!allowed.ok) return allowed;
  const verified = await verifySmsChallenge(ctx, { userId: input.userId, bindingId: input.bindingId, challengeId: input.challengeId, code: input.code, expect: 'phone_bind', ...(input.context ? { context: input.context } : {}) });
  if (!verified.ok) return verified;
  const phone = verified.phone;
  const parsed = normalizePhone(phone);
  const country = parsed.ok ? (parsed.country ?? null) : null;
  const phoneHash = hashPhone(config.secrets.pepper, phone);
  if (current && current.phoneHash === phoneHash) {
    return { ok: true, maskedPhone: maskPhone(phone), changed: false, coolOffUntilMs: null, sessionGeneration: null };
  }
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { proof: input.proof },
      change,
      kind: current ? 'phone_changed' : 'phone_bound',
      newRef: phoneHash,
      noticeValues: { last2: phone.slice(-2) },
      ...(input.context ? { context: input.context } : {}),
    },
    async () => {
      const bound = await ctx.stores.phones.bind({
        userId: input.userId,
        e164: phone,
        phoneHash,
        country,
        // Read now, once: sends and the risk policy use it from the binding (issue 12).
        ...(parsed.ok ? { lineType: parsed.lineType ?? null, numberingPlan: NUMBERING_PLAN } : {}),
        nowMs: config.clock.nowMs(),
        maxAccountsPerNumber: config.phone.maxAccountsPerNumber,
      });
      if (!bound.ok) {
        await ctx.audit.record({ type: 'phone_bind_refused', outcome: 'blocked', reasons: ['number_reuse_limit'], userId: input.userId, phone, country, ...(input.context ? { context: input.context } : {}) });
        return { ok: false as const, reason: 'phone_unavailable' as const };
      }
      return { ok: true as const, value: bound };
    },
  );
  if (!outcome.ok) return outcome;
  return {
    ok: true,
    maskedPhone: maskPhone(phone),
    changed: current !== null,
    coolOffUntilMs: outcome.coolOffUntilMs,
    sessionGeneration: outcome.sessionGeneration,
  };
}
