import type { RequestContext } from '../audit/createAuditWriter';
import { openSecret, sealSecret } from '../core/crypto/secretBox';
import { matchTotpWithDrift, type TotpDriftOutcome } from '../core/totp/matchTotpWithDrift';
import { totpClockStateOf } from '../core/totp/totpClockStateOf';
import type { EnrolledFactor } from '../stores/types';
import { secondsUntil } from './sendSmsChallenge';
import type { ServiceContext } from './ServiceContext';
import { alertLockout } from './alertLockout';

export type VerifyFactorResult =
  | { ok: true; verifiedAtMs: number; /** The authenticator app that matched (its factor id). */ ref: string }
  | { ok: false; reason: 'invalid_code' | 'not_enrolled' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/** A TOTP code can also ask for the next one: the device's clock is off and is being learned. */
export type VerifyTotpResult = VerifyFactorResult | { ok: false; reason: 'resync_needed' };

/**
 * Checks a TOTP code against the user's authenticator apps. The attempt counts against the
 * account before the comparison; a matched time step must then win an atomic compare-and-set
 * over the last used step (which writes the learned clock offset in the same step), so the same
 * code (or an older one) is never accepted twice, even by concurrent requests.
 *
 * A code that fits only a clock further off (up to `totp.resyncMaxSteps`) is not accepted: it
 * stays a failed attempt, is remembered on the factor, and `resync_needed` asks for the next
 * code; that one, at the same offset, is accepted and the offset learned (matchTotpWithDrift).
 * Any attempt that matches nothing forgets the remembered code, so the two must be consecutive.
 */
export async function verifyTotp(ctx: ServiceContext, input: { userId: string; code: string; context?: RequestContext }): Promise<VerifyTotpResult> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const factors = await stores.factors.list(input.userId, 'totp');
  if (factors.length === 0) return { ok: false, reason: 'not_enrolled' };
  const reserved = await stores.challenges.reserveFactorAttempt(input.userId, nowMs, config.lockout);
  if (!reserved.ok) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
  const audit = (type: string, outcome: 'success' | 'failure', reasons: string[] = []) =>
    ctx.audit.record({ type, outcome, userId: input.userId, factor: 'otp', reasons, ...(input.context ? { context: input.context } : {}) });
  const unmatched: { factor: EnrolledFactor; outcome: Exclude<TotpDriftOutcome, { kind: 'accepted' }> }[] = [];
  for (const factor of factors) {
    const sealed = String(factor.data.secret ?? '');
    const { plaintext: secret, keyId } = openSecret(config.keyring, sealed);
    const outcome = await matchTotpWithDrift({ secret, code: input.code, nowMs, state: totpClockStateOf(factor.data), policy: config.totp });
    if (outcome.kind !== 'accepted') {
      unmatched.push({ factor, outcome });
      continue;
    }
    const learned = { offsetSteps: outcome.offsetSteps, pendingResync: null };
    if (!(await stores.factors.advance(input.userId, factor.id, 'lastTimeStep', outcome.step, learned))) {
      // Another request used this step first: a replay.
      await audit('otp_failed', 'failure', ['replayed_time_step']);
      return { ok: false, reason: 'invalid_code' };
    }
    await stores.challenges.clearFailures(input.userId);
    await audit('otp_verified', 'success', outcome.resynced ? ['clock_resynced', `offset_steps:${outcome.offsetSteps}`] : []);
    // Re-seal under the current key when the secret was sealed under a retired one (rotation).
    const patch = keyId === config.keyring.currentKeyId ? {} : { data: { secret: sealSecret(config.keyring, config.random, secret) } };
    await stores.factors.update(input.userId, factor.id, { lastUsedAtMs: nowMs, ...patch });
    return { ok: true, verifiedAtMs: nowMs, ref: factor.id };
  }
  const locked = reserved.lockedUntilMs !== null;
  let resyncing = false;
  for (const { factor, outcome } of unmatched) {
    // A lock outlasts any resync wait: nothing is remembered then.
    if (outcome.kind === 'resync_needed' && !locked) {
      resyncing = true;
      await stores.factors.update(input.userId, factor.id, { data: { pendingResync: outcome.pendingResync } });
    } else if (factor.data.pendingResync) {
      await stores.factors.update(input.userId, factor.id, { data: { pendingResync: null } });
    }
  }
  if (reserved.lockedUntilMs !== null) {
    await audit('second_factor_locked', 'failure', ['invalid_code']);
    await alertLockout(ctx, input.userId, 'otp');
    return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
  }
  if (resyncing) {
    await audit('otp_failed', 'failure', ['clock_resync_started']);
    return { ok: false, reason: 'resync_needed' };
  }
  await audit('otp_failed', 'failure', ['invalid_code']);
  return { ok: false, reason: 'invalid_code' };
}
