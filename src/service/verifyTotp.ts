import type { RequestContext } from '../audit/createAuditWriter';
import { openSecret, sealSecret } from '../core/crypto/secretBox';
import { matchTotp } from '../core/totp/totp';
import { secondsUntil } from './sendSmsChallenge';
import type { ServiceContext } from './ServiceContext';

export type VerifyFactorResult =
  | { ok: true; verifiedAtMs: number; /** The authenticator app that matched (its factor id). */ ref: string }
  | { ok: false; reason: 'invalid_code' | 'not_enrolled' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Checks a TOTP code against the user's authenticator apps. The attempt counts against the
 * account before the comparison; a matched time step must then win an atomic compare-and-set
 * over the last used step, so the same code (or an older one) is never accepted twice, even
 * by concurrent requests.
 */
export async function verifyTotp(ctx: ServiceContext, input: { userId: string; code: string; context?: RequestContext }): Promise<VerifyFactorResult> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const factors = await stores.factors.list(input.userId, 'totp');
  if (factors.length === 0) return { ok: false, reason: 'not_enrolled' };
  const reserved = await stores.challenges.reserveFactorAttempt(input.userId, nowMs, config.lockout);
  if (!reserved.ok) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
  const audit = (type: string, outcome: 'success' | 'failure', reasons: string[] = []) =>
    ctx.audit.record({ type, outcome, userId: input.userId, factor: 'otp', reasons, ...(input.context ? { context: input.context } : {}) });
  for (const factor of factors) {
    const sealed = String(factor.data.secret ?? '');
    const { plaintext: secret, keyId } = openSecret(config.keyring, sealed);
    const last = typeof factor.data.lastTimeStep === 'number' ? factor.data.lastTimeStep : null;
    const step = await matchTotp(secret, input.code, nowMs, last);
    if (step === null) continue;
    if (!(await stores.factors.advance(input.userId, factor.id, 'lastTimeStep', step))) {
      // Another request used this step first: a replay.
      await audit('otp_failed', 'failure', ['replayed_time_step']);
      return { ok: false, reason: 'invalid_code' };
    }
    await stores.challenges.clearFailures(input.userId);
    await audit('otp_verified', 'success');
    // Re-seal under the current key when the secret was sealed under a retired one (rotation).
    const patch = keyId === config.keyring.currentKeyId ? {} : { data: { secret: sealSecret(config.keyring, config.random, secret) } };
    await stores.factors.update(input.userId, factor.id, { lastUsedAtMs: nowMs, ...patch });
    return { ok: true, verifiedAtMs: nowMs, ref: factor.id };
  }
  await audit(reserved.lockedUntilMs !== null ? 'second_factor_locked' : 'otp_failed', 'failure', ['invalid_code']);
  if (reserved.lockedUntilMs !== null) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
  return { ok: false, reason: 'invalid_code' };
}
