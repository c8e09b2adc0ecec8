import { generateOtpCode } from '../core/otp/generateOtpCode';
import { hashOtpCode } from '../core/otp/hashOtpCode';
import { resendDelaySeconds } from '../core/otp/resendDelaySeconds';
import { maskPhone } from '../core/phone/maskPhone';
import { normalizePhone } from '../core/phone/normalizePhone';
import { parseE164Once } from '../core/phone/parseE164Once';
import { boundNumberFacts, factsOf } from '../core/phone/numberFacts';
import { newRandomId } from '../core/random';
import { renderSmsCodeMessage, renderVoiceCodeMessage } from '../core/messages/renderSmsCodeMessage';
import type { SmsTemplateSet } from '../core/messages/smsTemplates';
import { hashTransaction, type TransactionDetails } from '../core/transaction/hashTransaction';
import type { SmsChallengeRecord } from '../stores/types';
import type { RequestContext } from '../audit/createAuditWriter';
import type { PumpingRule } from '../sms/pumpingRules';
import type { SmsChannel, SmsDeliveryStatus } from '../sms/types';
import { PHONE_BIND_PURPOSE, type ServiceContext } from './ServiceContext';
import { inCoolOff } from './inCoolOff';
import { deliverSms } from './deliverSms';
import { providerCodeMarker } from './providerCode';
import { withTimeout } from '../sms/withTimeout';
import { sendAttemptFor } from './sendAttemptFor';
import { lineTypeWithSource } from '../core/phone/lineTypeWithSource';
import { localeForCountry } from '../core/messages/localeForCountry';

export type SendSmsChallengeInput = {
  userId: string;
  /** The session's binding id; the challenge can only be verified from that session. */
  bindingId: string;
  /** The action stepped up for, or `phone_bind` to prove a new number (then `phone` is required). */
  action: string;
  /** The number to text when proving a new one; otherwise the user's bound number is used. */
  phone?: string;
  context?: RequestContext;
  /** Required when the action binds transactions: what is approved, and its words for the SMS. */
  transaction?: { details: TransactionDetails; display: { amount: string; payee: string } };
  /** The challenge this session already has, if any: a send for the same purpose is a resend. */
  currentChallengeId?: string;
  /** @default 'sms'. Voice and WhatsApp are offered only as a resend, after a first SMS. */
  channel?: SmsChannel;
  /**
   * Which templates to use, when the user's setting or the request's Accept-Language named one.
   * Absent: the number's country (`sms.localeByCountry`), else `sms.defaultLocale`.
   */
  locale?: string | undefined;
  /**
   * The account lock as read moments ago in this same request (the risk signals), so the send
   * does not read the key again (issue 12). Absent: the send reads it.
   */
  lockedUntilMs?: number | null;
  /**
   * A first send whose risk decision is still being read (issue 12: the reads ride with the
   * budget check instead of going before it): whether the policy accepts SMS for this step-up,
   * and the account lock those reads saw. Nothing the send did before the answer outlives a
   * refusal (the challenge is discarded, the budgets handed back) and nothing leaves: the code
   * goes out only after it. Refused: `sms_not_accepted`. Only for a first send (a resend is
   * judged first).
   */
  admission?: Promise<{ admitted: boolean; lockedUntilMs: number | null }>;
};

export type SendSmsChallengeResult =
  | {
      ok: true;
      challengeId: string;
      expiresAtMs: number;
      resendAvailableAtMs: number;
      maskedPhone: string;
      resent: boolean;
      channel: SmsChannel;
      deliveryStatus: SmsDeliveryStatus;
    }
  | { ok: false; reason: 'unknown_action' | 'no_phone' | 'no_pending_transaction' | 'sms_unavailable' | 'sms_not_accepted' | 'channel_unavailable' | 'sms_blocked' }
  | { ok: false; reason: 'phone_not_allowed'; policy: 'country' | 'line_type' }
  | { ok: false; reason: 'locked' | 'rate_limited' | 'resend_too_early' | 'too_many_attempts'; retryAfterSeconds: number };

/**
 * Issues (or re-issues) a code for a step-up or a phone proof. The order matters: the account
 * lock and the resend wait come before the anti-pumping guard spends any budget; the code is
 * stored (hashed) and the send audited before the message leaves; a resend keeps the attempt
 * count; a send that no provider delivered hands its budgets back.
 */
export async function sendSmsChallenge(ctx: ServiceContext, input: SendSmsChallengeInput): Promise<SendSmsChallengeResult> {
  const { config, stores } = ctx;
  const { sms } = config;
  const nowMs = config.clock.nowMs();
  const channel = input.channel ?? 'sms';
  const binding = input.action === PHONE_BIND_PURPOSE;
  const requirement = binding ? undefined : config.actions[input.action];
  if (!binding && !requirement) return { ok: false, reason: 'unknown_action' };
  if (binding && !input.phone) throw new TypeError('sendSmsChallenge: phone_bind needs the phone to prove');
  if (requirement?.bindTransaction && !input.transaction) return { ok: false, reason: 'no_pending_transaction' };
  const txHash = requirement?.bindTransaction && input.transaction
    ? hashTransaction(config.secrets.pepper, input.action, input.transaction.details)
    : null;

  // Independent reads at once: the send path waits for one round trip, not three. The lock is
  // read here only when a current challenge is read anyway (a resend must hear "locked" before
  // "too early"); a first send reads it alongside the budget check instead (issue 12).
  const admission = input.admission;
  // Read only in the second wave: a send that ends before it (no phone, a channel refused) must
  // not leave a failed decision unhandled (the caller answers it; this send has nothing to undo).
  admission?.catch(() => undefined);
  if (admission && input.currentChallengeId !== undefined) throw new TypeError('sendSmsChallenge: a resend is admitted before it is sent, not alongside');
  const lockKnown = input.lockedUntilMs !== undefined || admission !== undefined;
  const lockFirst = !lockKnown && input.currentChallengeId !== undefined;
  const [lockedUntilMs, bound, current, coolOff] = await Promise.all([
    lockKnown
      ? Promise.resolve(admission ? null : lockedAt(input.lockedUntilMs ?? null, nowMs))
      : lockFirst
        ? stores.challenges.lockedUntil(input.userId, nowMs)
        : Promise.resolve(null),
    input.phone ? Promise.resolve(null) : stores.phones.getActive(input.userId),
    input.currentChallengeId ? stores.challenges.get(input.userId, input.currentChallengeId, nowMs) : Promise.resolve(null),
    requirement?.highRisk && !input.phone ? stores.coolOffs.get(input.userId, nowMs) : Promise.resolve(null),
  ]);
  if (lockedUntilMs !== null) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(lockedUntilMs, nowMs) };
  let phone = input.phone;
  if (!phone) {
    if (!bound) return { ok: false, reason: 'no_phone' };
    // A number changed days ago may be an attacker's SIM: it cannot approve high-risk actions yet.
    // So is a number bound during the account's cool-off (after any factor change).
    if (requirement?.highRisk && (inCoolOff(bound, config.phone.changeCoolOffSeconds, nowMs) || coolOff?.addedRefs.includes(bound.phoneHash))) {
      return { ok: false, reason: 'sms_not_accepted' };
    }
    phone = bound.e164;
  }
  // The bound number's facts come with its binding (read when it was bound); a number given
  // for enrolment is parsed here, any other once per number (issue 12).
  const facts = !input.phone && bound ? boundNumberFacts(bound) : factsOf(binding ? normalizePhone(phone) : parseE164Once(phone));
  const country = facts?.country ?? null;

  const resend =
    current !== null &&
    current.bindingId === input.bindingId &&
    current.purpose === input.action &&
    current.txHash === txHash &&
    current.phone === phone &&
    current.expiresAtMs > nowMs
      ? current
      : null;
  // A call or WhatsApp message is the fallback for an SMS that did not arrive, never the first try.
  const channelUsable = sms.verifyProvider ? sms.verifyProvider.channels.includes(channel) : ctx.sms.supports(channel, country);
  if (channel !== 'sms' && (!resend || !channelUsable)) return { ok: false, reason: 'channel_unavailable' };
  if (resend && resend.attempts >= sms.maxAttempts) {
    return { ok: false, reason: 'too_many_attempts', retryAfterSeconds: secondsUntil(resend.expiresAtMs, nowMs) };
  }
  if (resend && nowMs < resend.nextResendAtMs) {
    return { ok: false, reason: 'resend_too_early', retryAfterSeconds: secondsUntil(resend.nextResendAtMs, nowMs) };
  }

  const sendId = newRandomId(config.random);
  const e164 = facts?.e164 ?? phone;
  // For a number not yet proven, the carrier's line type (a lookup provider) beats the
  // numbering plan's: VoIP ranges often look like mobile ones. No answer: the plan's type.
  const intel = binding && config.risk.phoneIntel ? await config.risk.phoneIntel.lookup(e164).catch(() => null) : null;
  const lineType = intel?.lineType ?? facts?.lineType ?? null;
  // What the audit trail says about the number, for post-incident reviews ("how much was VoIP?").
  const line = lineTypeWithSource(intel?.lineType, facts?.lineType ?? null);
  const providerOwnsCode = sms.verifyProvider !== undefined;
  const code = providerOwnsCode ? '' : generateOtpCode(config.random, sms.codeLength);
  const expiresAtMs = nowMs + sms.ttlSeconds * 1000;
  const sendCount = (resend?.sendCount ?? 0) + 1;
  const nextResendAtMs = nowMs + resendDelaySeconds(sendCount, { initialSeconds: sms.resendInitialSeconds, maxSeconds: sms.resendMaxSeconds }) * 1000;
  const codeHashFor = (challengeId: string) =>
    providerOwnsCode ? providerCodeMarker(sms.verifyProvider?.name ?? '') : hashOtpCode(config.secrets.pepper, challengeId, code);
  // A first send stores its challenge alongside the budget check (one round trip, not two,
  // issue 12) and discards it when the send is refused: nobody is told its id, the session
  // points to it only once the send succeeded, and its code never left. A resend changes the
  // challenge the user already has, so it waits for the budget's answer.
  const freshId = resend ? null : newRandomId(config.random);
  const fresh: SmsChallengeRecord | null = freshId === null
    ? null
    : {
        id: freshId,
        userId: input.userId,
        bindingId: input.bindingId,
        phone,
        // Kept with the challenge, so the verify needs no parse of the number (issue 12).
        country,
        purpose: input.action,
        txHash,
        codeHash: codeHashFor(freshId),
        createdAtMs: nowMs,
        expiresAtMs,
        attempts: 0,
        sendCount,
        nextResendAtMs,
      };
  const [lockRead, checked, created] = await Promise.allSettled([
    admission
      ? admission.then((judged): number | null | typeof NOT_ADMITTED => (judged.admitted ? lockedAt(judged.lockedUntilMs, nowMs) : NOT_ADMITTED))
      : lockKnown || lockFirst
        ? Promise.resolve(null)
        : stores.challenges.lockedUntil(input.userId, nowMs),
    ctx.pumping.check(
      sendAttemptFor(ctx, { sendId, e164, country, lineType, userId: input.userId, sessionId: input.bindingId, ip: input.context?.ip ?? null, boundNumber: !binding }),
    ),
    fresh ? stores.challenges.create(fresh) : Promise.resolve(),
  ]);
  const undo = async () => {
    await Promise.all([
      checked.status === 'fulfilled' && checked.value.allowed ? checked.value.reservation.release() : undefined,
      fresh && created.status === 'fulfilled' ? stores.challenges.discard(input.userId, fresh.id) : undefined,
    ]);
  };
  for (const outcome of [lockRead, checked, created]) {
    if (outcome.status === 'rejected') {
      // Fail closed (503); what the other two did is undone on a best-effort basis.
      await undo().catch(() => undefined);
      throw outcome.reason;
    }
  }
  const lateLock = lockRead.status === 'fulfilled' ? lockRead.value : null;
  if (lateLock === NOT_ADMITTED) {
    await undo();
    return { ok: false, reason: 'sms_not_accepted' };
  }
  if (lateLock !== null) {
    await undo();
    return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(lateLock, nowMs) };
  }
  const decision = (checked as PromiseFulfilledResult<Awaited<ReturnType<typeof ctx.pumping.check>>>).value;
  if (!decision.allowed && fresh) await stores.challenges.discard(input.userId, fresh.id);
  const auditGuard = (type: string, outcome: 'blocked' | 'success', rules: PumpingRule[]) =>
    ctx.audit.record({
      type,
      outcome,
      userId: input.userId,
      factor: 'sms',
      action: input.action,
      phone: e164,
      country,
      ...line,
      reasons: rules.map((rule) => `pumping_${rule}`),
      ...(input.context ? { context: input.context } : {}),
    });
  for (const rule of decision.observed) ctx.metrics.smsBlocked({ rule, mode: 'observe' });
  if (decision.observed.length > 0) await auditGuard('sms_block_observed', 'success', decision.observed);
  if (!decision.allowed) {
    ctx.metrics.smsBlocked({ rule: decision.rule, mode: 'enforce', country });
    await auditGuard('sms_blocked', 'blocked', [decision.rule]);
    ctx.logger?.warn({ event: 'sms_blocked', rule: decision.rule, userId: input.userId, to: maskPhone(e164), country }, 'Send refused by the anti-pumping guard');
    if (decision.rule === 'country' || decision.rule === 'line_type') {
      return { ok: false, reason: 'phone_not_allowed', policy: decision.rule === 'country' ? 'country' : 'line_type' };
    }
    // The per-number budget is the one a real user meets (asking again and again): say when.
    if (decision.rule === 'phone_budget') return { ok: false, reason: 'rate_limited', retryAfterSeconds: decision.retryAfterSeconds };
    return { ok: false, reason: 'sms_blocked' };
  }

  let challengeId: string;
  if (resend) {
    challengeId = resend.id;
    const replaced = await stores.challenges.replaceCode({
      userId: input.userId,
      challengeId,
      bindingId: input.bindingId,
      expectedSendCount: resend.sendCount,
      codeHash: codeHashFor(challengeId),
      nowMs,
      expiresAtMs,
      nextResendAtMs,
      maxAttempts: sms.maxAttempts,
    });
    if (!replaced.ok) {
      await decision.reservation.release();
      // Another resend from this session won the race, or the challenge just ran out.
      if (replaced.reason === 'exhausted') {
        return { ok: false, reason: 'too_many_attempts', retryAfterSeconds: secondsUntil(replaced.expiresAtMs, nowMs) };
      }
      const until = replaced.reason === 'too_early' ? replaced.nextResendAtMs : nowMs + sms.resendInitialSeconds * 1000;
      return { ok: false, reason: 'resend_too_early', retryAfterSeconds: secondsUntil(until, nowMs) };
    }
  } else {
    challengeId = (fresh as SmsChallengeRecord).id;
  }

  const maskedPhone = maskPhone(phone);
  // Recorded before the message leaves: if the audit store is down, no code goes out unrecorded.
  await ctx.audit.record({
    type: 'otp_sent',
    outcome: 'success',
    userId: input.userId,
    factor: 'sms',
    action: input.action,
    phone,
    country,
    ...line,
    reasons: [...(resend ? ['resend'] : []), ...(channel !== 'sms' ? [`channel_${channel}`] : [])],
    ...(input.context ? { context: input.context } : {}),
  });
  const meta = { userId: input.userId, challengeId, country, ...line };
  // Nobody chose a language: the number's country says which one its owner most likely reads.
  const chosenLocale = input.locale ?? localeForCountry(sms.localeByCountry, country, Object.keys(sms.templates)) ?? sms.defaultLocale;
  const delivered = providerOwnsCode
    ? await startProviderVerification(ctx, { to: phone, channel, locale: chosenLocale }, meta)
    : await deliverSms(
        ctx,
        {
          to: phone,
          body: renderBody(ctx, channel, code, { ...input, locale: chosenLocale }),
          channel,
          idempotencyKey: `${challengeId}.${sendCount}`,
          locale: chosenLocale,
        },
        meta,
      );
  if (!delivered.ok) {
    // A first send's challenge goes too: the session never learns its id, and since the budget
    // is handed back, nothing else would bound how many a bot leaves behind with failing sends.
    await Promise.all([decision.reservation.release(), fresh ? stores.challenges.discard(input.userId, fresh.id) : undefined]);
    return { ok: false, reason: 'sms_unavailable' };
  }
  ctx.logger?.info({ event: 'otp_sent', userId: input.userId, action: input.action, to: maskedPhone, channel, provider: delivered.provider, resent: Boolean(resend) }, 'Code sent');
  return { ok: true, challengeId, expiresAtMs, resendAvailableAtMs: nextResendAtMs, maskedPhone, resent: Boolean(resend), channel, deliveryStatus: delivered.status };
}

function renderBody(ctx: ServiceContext, channel: SmsChannel, code: string, input: SendSmsChallengeInput): string {
  const { config } = ctx;
  const templates = (config.sms.templates[input.locale ?? config.sms.defaultLocale] ?? config.sms.templates[config.sms.defaultLocale]) as SmsTemplateSet;
  // A call for a transaction names its amount and payee as the SMS does (PSD2 dynamic linking).
  if (channel === 'voice') return renderVoiceCodeMessage({ code, serviceName: config.serviceName, templates, transaction: input.transaction?.display });
  return renderSmsCodeMessage({
    code,
    serviceName: config.serviceName,
    webOtpHost: config.webOtpHost,
    templates,
    ...(config.sms.androidAppHash ? { androidAppHash: config.sms.androidAppHash } : {}),
    ...(input.transaction ? { transaction: input.transaction.display } : {}),
  });
}

async function startProviderVerification(
  ctx: ServiceContext,
  input: { to: string; channel: SmsChannel; locale?: string },
  meta: { userId: string; challengeId: string; country: string | null },
) {
  const provider = ctx.config.sms.verifyProvider;
  if (!provider) throw new Error('startProviderVerification: no verify provider');
  try {
    const result = await withTimeout((signal) => provider.start(input, { signal }), ctx.config.sms.providerTimeoutMs, provider.name);
    ctx.metrics.smsSent({ country: meta.country, provider: provider.name, channel: input.channel });
    return { ok: true as const, provider: provider.name, providerMessageId: result.providerMessageId, status: result.status };
  } catch (err) {
    ctx.metrics.smsFailed({ provider: provider.name, outcome: 'error' });
    ctx.logger?.error({ event: 'sms_send_failed', provider: provider.name, to: maskPhone(input.to), err: (err as Error).message }, 'Verify provider failed');
    return { ok: false as const };
  }
}

/** The policy refused SMS for this step-up (a first send judged alongside its budget check). */
const NOT_ADMITTED = Symbol('not admitted');

/** The lock's end when it is still in force, else `null`. */
function lockedAt(lockedUntilMs: number | null, nowMs: number): number | null {
  return lockedUntilMs !== null && lockedUntilMs > nowMs ? lockedUntilMs : null;
}

export function secondsUntil(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}
