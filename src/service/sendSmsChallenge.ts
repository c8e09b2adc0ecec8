import { generateOtpCode } from '../core/otp/generateOtpCode';
import { hashOtpCode } from '../core/otp/hashOtpCode';
import { resendDelaySeconds } from '../core/otp/resendDelaySeconds';
import { maskPhone } from '../core/phone/maskPhone';
import { newRandomId } from '../core/random';
import { renderSmsCodeMessage } from '../core/messages/renderSmsCodeMessage';
import { hashTransaction, type TransactionDetails } from '../core/transaction/hashTransaction';
import type { SmsChallengeRecord } from '../stores/types';
import type { RequestContext } from '../audit/createAuditWriter';
import { hashPhone } from '../core/phone/hashPhone';
import { PHONE_BIND_PURPOSE, type ServiceContext } from './ServiceContext';
import { inCoolOff } from './inCoolOff';

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
};

export type SendSmsChallengeResult =
  | { ok: true; challengeId: string; expiresAtMs: number; resendAvailableAtMs: number; maskedPhone: string; resent: boolean }
  | { ok: false; reason: 'unknown_action' | 'no_phone' | 'no_pending_transaction' | 'sms_unavailable' | 'sms_not_accepted' }
  | { ok: false; reason: 'locked' | 'rate_limited' | 'resend_too_early' | 'too_many_attempts'; retryAfterSeconds: number };

/**
 * Issues (or re-issues) an SMS code for a step-up. The order matters: the account lock and the
 * resend wait are checked before a send budget is spent, the code is stored (hashed) before the
 * message leaves, and a resend keeps the challenge's attempt count.
 */
export async function sendSmsChallenge(ctx: ServiceContext, input: SendSmsChallengeInput): Promise<SendSmsChallengeResult> {
  const { config, stores } = ctx;
  const { sms } = config;
  const nowMs = config.clock.nowMs();
  const binding = input.action === PHONE_BIND_PURPOSE;
  const requirement = binding ? undefined : config.actions[input.action];
  if (!binding && !requirement) return { ok: false, reason: 'unknown_action' };
  if (binding && !input.phone) throw new TypeError('sendSmsChallenge: phone_bind needs the phone to prove');
  if (requirement?.bindTransaction && !input.transaction) return { ok: false, reason: 'no_pending_transaction' };
  const txHash = requirement?.bindTransaction && input.transaction
    ? hashTransaction(config.secrets.pepper, input.action, input.transaction.details)
    : null;

  const lockedUntilMs = await stores.challenges.lockedUntil(input.userId, nowMs);
  if (lockedUntilMs !== null) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(lockedUntilMs, nowMs) };
  let phone = input.phone;
  if (!phone) {
    const bound = await stores.phones.getActive(input.userId);
    if (!bound) return { ok: false, reason: 'no_phone' };
    // A number changed days ago may be an attacker's SIM: it cannot approve high-risk actions yet.
    if (requirement?.highRisk && inCoolOff(bound, config.phone.changeCoolOffSeconds, nowMs)) {
      return { ok: false, reason: 'sms_not_accepted' };
    }
    phone = bound.e164;
  }

  const current = input.currentChallengeId
    ? await stores.challenges.get(input.userId, input.currentChallengeId, nowMs)
    : null;
  const resend =
    current !== null &&
    current.bindingId === input.bindingId &&
    current.purpose === input.action &&
    current.txHash === txHash &&
    current.phone === phone &&
    current.expiresAtMs > nowMs
      ? current
      : null;
  if (resend && resend.attempts >= sms.maxAttempts) {
    return { ok: false, reason: 'too_many_attempts', retryAfterSeconds: secondsUntil(resend.expiresAtMs, nowMs) };
  }
  if (resend && nowMs < resend.nextResendAtMs) {
    return { ok: false, reason: 'resend_too_early', retryAfterSeconds: secondsUntil(resend.nextResendAtMs, nowMs) };
  }

  const phoneKey = `phone:${hashPhone(config.secrets.pepper, phone)}`;
  let retryAfterSeconds = 0;
  for (const budget of sms.phoneBudgets) {
    const hit = await stores.rateLimits.hit(`${phoneKey}:${budget.windowSeconds}`, budget.limit, budget.windowSeconds, nowMs);
    if (!hit.allowed) retryAfterSeconds = Math.max(retryAfterSeconds, hit.retryAfterSeconds);
  }
  if (retryAfterSeconds > 0) return { ok: false, reason: 'rate_limited', retryAfterSeconds };

  const code = generateOtpCode(config.random, sms.codeLength);
  const expiresAtMs = nowMs + sms.ttlSeconds * 1000;
  const sendCount = (resend?.sendCount ?? 0) + 1;
  const nextResendAtMs = nowMs + resendDelaySeconds(sendCount, { initialSeconds: sms.resendInitialSeconds, maxSeconds: sms.resendMaxSeconds }) * 1000;
  let challengeId: string;
  if (resend) {
    challengeId = resend.id;
    const replaced = await stores.challenges.replaceCode({
      userId: input.userId,
      challengeId,
      bindingId: input.bindingId,
      expectedSendCount: resend.sendCount,
      codeHash: hashOtpCode(config.secrets.pepper, challengeId, code),
      nowMs,
      expiresAtMs,
      nextResendAtMs,
      maxAttempts: sms.maxAttempts,
    });
    if (!replaced.ok) {
      // Another resend from this session won the race, or the challenge just ran out.
      if (replaced.reason === 'exhausted') {
        return { ok: false, reason: 'too_many_attempts', retryAfterSeconds: secondsUntil(replaced.expiresAtMs, nowMs) };
      }
      const until = replaced.reason === 'too_early' ? replaced.nextResendAtMs : nowMs + sms.resendInitialSeconds * 1000;
      return { ok: false, reason: 'resend_too_early', retryAfterSeconds: secondsUntil(until, nowMs) };
    }
  } else {
    challengeId = newRandomId(config.random);
    const record: SmsChallengeRecord = {
      id: challengeId,
      userId: input.userId,
      bindingId: input.bindingId,
      phone,
      purpose: input.action,
      txHash,
      codeHash: hashOtpCode(config.secrets.pepper, challengeId, code),
      createdAtMs: nowMs,
      expiresAtMs,
      attempts: 0,
      sendCount,
      nextResendAtMs,
    };
    await stores.challenges.create(record);
  }

  const body = renderSmsCodeMessage({
    code,
    serviceName: config.serviceName,
    webOtpHost: config.webOtpHost,
    ...(input.transaction ? { transaction: input.transaction.display } : {}),
  });
  const maskedPhone = maskPhone(phone);
  // Recorded before the message leaves: if the audit store is down, no code goes out unrecorded.
  await ctx.audit.record({
    type: 'otp_sent',
    outcome: 'success',
    userId: input.userId,
    factor: 'sms',
    action: input.action,
    phone,
    reasons: resend ? ['resend'] : [],
    ...(input.context ? { context: input.context } : {}),
  });
  try {
    await withTimeout(
      ctx.smsProvider.send({ to: phone, body, channel: 'sms', idempotencyKey: `${challengeId}.${sendCount}` }),
      sms.providerTimeoutMs,
    );
  } catch (err) {
    ctx.logger?.error(
      { event: 'sms_send_failed', provider: ctx.smsProvider.name, to: maskedPhone, err: err instanceof Error ? err.message : String(err) },
      'SMS provider failed',
    );
    return { ok: false, reason: 'sms_unavailable' };
  }
  ctx.logger?.info({ event: 'otp_sent', userId: input.userId, action: input.action, to: maskedPhone, resent: Boolean(resend) }, 'SMS code sent');
  return { ok: true, challengeId, expiresAtMs, resendAvailableAtMs: nextResendAtMs, maskedPhone, resent: Boolean(resend) };
}

/** The provider's promise, or a rejection once `ms` pass: a hanging provider must not hang the request. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`SMS provider did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function secondsUntil(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}
