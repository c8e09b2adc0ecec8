import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { hashOtpCode } from '../core/otp/hashOtpCode';
import { maskPhone } from '../core/phone/maskPhone';
import { hashPhone } from '../core/phone/hashPhone';
import { challengeCountry } from '../core/phone/numberFacts';
import { isProviderCodeMarker } from './providerCode';
import { secondsUntil } from './sendSmsChallenge';
import { withTimeout } from '../sms/withTimeout';
import { StoreUnavailableError } from './StoreUnavailableError';
import type { RequestContext } from '../audit/createAuditWriter';
import { PHONE_BIND_PURPOSE, type ServiceContext } from './ServiceContext';
import { alertLockout } from './alertLockout';
import { recordAlongside } from './recordAlongside';
import type { ReserveAttemptResult, VerifyAttemptResult } from '../stores/types';
import { supersededUntilMs } from './sessions';

export type VerifySmsChallengeInput = {
  userId: string;
  bindingId: string;
  challengeId: string;
  /** Already checked to be `codeLength` digits by the caller; anything else is a 400 there. */
  code: string;
  /** A step-up code cannot bind a phone and a phone-proof code cannot step up. */
  expect: 'step_up' | 'phone_bind';
  context?: RequestContext;
  /**
   * The right code raises the session's level, which replaces the session under a new id: the
   * store supersedes the session of this binding (at `sessionEpoch`) in the same atomic step as
   * the consume where it can (issue 12), and `adopt` is handed the new epoch at once, before
   * anything else can fail, so this session stays live whatever happens next. Not done (a store
   * that cannot): the result's `superseded` is false and finishStepUp supersedes.
   */
  supersede?: { sessionEpoch: number; adopt: (epoch: number) => void };
};

export type VerifySmsChallengeResult =
  | {
      ok: true;
      factor: 'sms';
      action: string;
      txHash: string | null;
      verifiedAtMs: number;
      phone: string;
      /** The number's keyed hash: which instance the session verified. */
      ref: string;
      /** The session was superseded with the consume (see `supersede`). */
      superseded: boolean;
    }
  | { ok: false; reason: 'invalid_code'; attemptsLeft: number }
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'locked' | 'too_many_attempts'; retryAfterSeconds: number };

/**
 * Checks an SMS code. The attempt is counted atomically before the comparison (so concurrent
 * guesses cannot exceed the limits), the comparison is constant-time over HMACs, and a match
 * must still win the atomic consume: of N concurrent correct submissions exactly one succeeds.
 */
export async function verifySmsChallenge(ctx: ServiceContext, input: VerifySmsChallengeInput): Promise<VerifySmsChallengeResult> {
  const { config, stores, logger } = ctx;
  const nowMs = config.clock.nowMs();
  const reservation = {
    userId: input.userId,
    challengeId: input.challengeId,
    bindingId: input.bindingId,
    nowMs,
    maxAttempts: config.sms.maxAttempts,
    lockout: config.lockout,
  };
  // The code's HMAC, compared where the stored one is: with verifyAttempt the store reserves,
  // compares in constant time and consumes in one atomic step (one script on Redis, issue 12).
  const candidateHash = hashOtpCode(config.secrets.pepper, input.challengeId, input.code);
  const reserved: ReserveAttemptResult | VerifyAttemptResult = stores.challenges.verifyAttempt
    ? await stores.challenges.verifyAttempt({
        ...reservation,
        candidateHash,
        expectPurpose: { phoneBind: input.expect === 'phone_bind', phoneBindPurpose: PHONE_BIND_PURPOSE },
        // Only where the floor the challenge store writes is the one the sessions port reads.
        ...(input.supersede && stores.sessions.supersede && stores.challenges.supersedesFor?.(stores.sessions) === true ? { supersede: { sessionEpoch: input.supersede.sessionEpoch, untilMs: supersededUntilMs(ctx, nowMs) } } : {}),
      })
    : await stores.challenges.reserveAttempt(reservation);
  const consumedAlready = reserved.ok && 'matched' in reserved && reserved.matched;
  const superseded = reserved.ok && 'superseded' in reserved && typeof reserved.superseded === 'number' ? reserved.superseded : null;
  if (superseded !== null) input.supersede?.adopt(superseded);
  const audit = (type: string, outcome: 'success' | 'failure', reasons: string[] = [], phone?: string, action?: string) =>
    ctx.audit.record({ type, outcome, userId: input.userId, factor: 'sms', reasons, phone: phone ?? null, action: action ?? null, ...(input.context ? { context: input.context } : {}) });
  if (reserved.ok && (reserved.challenge.purpose === PHONE_BIND_PURPOSE) !== (input.expect === 'phone_bind')) {
    await audit('otp_failed', 'failure', ['wrong_purpose']);
    return { ok: false, reason: 'expired' };
  }
  if (!reserved.ok) {
    ctx.metrics.verification({ factor: 'sms', result: reserved.reason });
    logger?.info({ event: 'otp_refused', userId: input.userId, reason: reserved.reason }, 'SMS code refused');
    await audit(reserved.reason === 'locked' ? 'second_factor_locked' : reserved.reason === 'expired' ? 'otp_expired' : 'otp_failed', 'failure', [reserved.reason]);
    switch (reserved.reason) {
      case 'locked':
        return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
      case 'exhausted':
        return { ok: false, reason: 'too_many_attempts', retryAfterSeconds: secondsUntil(reserved.expiresAtMs, nowMs) };
      default:
        // Unknown and already-used challenges read the same as expired ones: ask for a new code.
        return { ok: false, reason: 'expired' };
    }
  }

  const matches = isProviderCodeMarker(reserved.codeHash)
    ? await checkWithProvider(ctx, reserved.challenge.phone, input.code)
    : consumedAlready || constantTimeEqual(candidateHash, reserved.codeHash);
  if (!matches) {
    ctx.metrics.verification({ factor: 'sms', result: reserved.lockedUntilMs !== null ? 'locked' : 'invalid_code', country: challengeCountry(reserved.challenge) });
    logger?.info(
      { event: 'otp_failed', userId: input.userId, to: maskPhone(reserved.challenge.phone), consecutiveFailures: reserved.consecutiveFailures },
      'Wrong SMS code',
    );
    await audit(reserved.lockedUntilMs !== null ? 'second_factor_locked' : 'otp_failed', 'failure', ['invalid_code'], reserved.challenge.phone, reserved.challenge.purpose);
    if (reserved.lockedUntilMs !== null) {
      logger?.warn({ event: 'second_factor_locked', userId: input.userId }, 'Second factor locked after consecutive failures');
      await alertLockout(ctx, input.userId, 'sms');
      return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
    }
    return { ok: false, reason: 'invalid_code', attemptsLeft: Math.max(0, config.sms.maxAttempts - reserved.attempts) };
  }

  if (!consumedAlready && !(await stores.challenges.consume(input.userId, input.challengeId))) {
    return { ok: false, reason: 'expired' };
  }
  const { purpose, txHash, phone } = reserved.challenge;
  // As the send stored it with the challenge: no parse of the number here (issue 12).
  const country = challengeCountry(reserved.challenge);
  ctx.metrics.verification({ factor: 'sms', result: 'success', country });
  // Bookkeeping for the country's breaker: sent alongside the rest of the answer, not waited for first.
  void recordAlongside(ctx, 'breaker_verified', ctx.pumping.recordVerified(country));
  await audit('otp_verified', 'success', [], phone, purpose);
  if (txHash) {
    const requirement = config.actions[purpose];
    const expiresAtMs = nowMs + (requirement?.maxAgeSeconds ?? 300) * 1000;
    await stores.approvals.grant({ userId: input.userId, bindingId: input.bindingId, action: purpose, txHash }, expiresAtMs, nowMs);
  }
  logger?.info({ event: 'otp_verified', userId: input.userId, action: purpose }, 'SMS code verified');
  return { ok: true, factor: 'sms', action: purpose, txHash, verifiedAtMs: nowMs, phone, ref: hashPhone(config.secrets.pepper, phone), superseded: superseded !== null };
}

/**
 * Asks the provider that owns the code (Twilio Verify). The attempt is already counted; a
 * provider that cannot answer is an outage (503), never a pass.
 */
async function checkWithProvider(ctx: ServiceContext, to: string, code: string): Promise<boolean> {
  const provider = ctx.config.sms.verifyProvider;
  if (!provider) return false;
  try {
    return (await withTimeout((signal) => provider.check({ to, code }, { signal }), ctx.config.sms.providerTimeoutMs, provider.name)).valid;
  } catch (err) {
    throw new StoreUnavailableError(`verify provider ${provider.name} failed`, { cause: err });
  }
}
