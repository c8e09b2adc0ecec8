import QRCode from 'qrcode';
import { openSecret, sealSecret } from '../core/crypto/secretBox';
import { newRandomId } from '../core/random';
import { newTotpSecret, totpUri } from '../core/totp/totp';
import { matchTotpWithDrift, type TotpPendingResync } from '../core/totp/matchTotpWithDrift';
import type { RequestContext } from '../audit/createAuditWriter';
import type { ServiceContext } from './ServiceContext';
import { authorizeFactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';

export type TotpSetup = { secret: string; otpauthUri: string; qrCodeDataUrl: string; sealedSecret: string };

/**
 * Step one of TOTP enrolment: a fresh secret, its `otpauth://` URI and a QR code rendered here
 * (no third-party service ever sees the secret). The caller keeps `sealedSecret` (encrypted)
 * until the user confirms a code from the app.
 */
export async function beginTotpEnrolment(
  ctx: ServiceContext,
  input: { userId: string; accountName: string; proof: SessionProof },
): Promise<({ ok: true } & TotpSetup) | FactorChangeRefusal> {
  const allowed = await authorizeFactorChange(ctx, { userId: input.userId, proof: input.proof, change: { op: 'add', factor: 'otp' } });
  if (!allowed.ok) return allowed;
  const secret = newTotpSecret();
  const otpauthUri = totpUri({ secret, issuer: ctx.config.serviceName, account: input.accountName });
  const qrCodeDataUrl = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
  return { ok: true, secret, otpauthUri, qrCodeDataUrl, sealedSecret: sealSecret(ctx.config.keyring, ctx.config.random, secret) };
}

/**
 * Step two: the factor counts only once a code from the app proves the secret arrived; it is
 * added through changeFactors. A phone whose clock is off enrols as it would verify: its first
 * code gives `resync_needed` with a `pendingResync` for the caller to keep with the setup and
 * pass back with the next code, which is accepted at the same offset; the offset is stored.
 */
export async function confirmTotpEnrolment(
  ctx: ServiceContext,
  input: { userId: string; sealedSecret: string; code: string; pendingResync?: TotpPendingResync | null; label?: string; proof: SessionProof; context?: RequestContext },
): Promise<
  | { ok: true; factorId: string; coolOffUntilMs: number | null }
  | { ok: false; reason: 'invalid_code' }
  | { ok: false; reason: 'resync_needed'; pendingResync: TotpPendingResync }
  | FactorChangeRefusal
> {
  const { config } = ctx;
  const nowMs = config.clock.nowMs();
  const { plaintext: secret } = openSecret(config.keyring, input.sealedSecret);
  const state = { lastTimeStep: null, offsetSteps: 0, pendingResync: input.pendingResync ?? null };
  const matched = await matchTotpWithDrift({ secret, code: input.code, nowMs, state, policy: config.totp });
  if (matched.kind === 'no_match') return { ok: false, reason: 'invalid_code' };
  if (matched.kind === 'resync_needed') return { ok: false, reason: 'resync_needed', pendingResync: matched.pendingResync };
  const { step, offsetSteps } = matched;
  const factorId = newRandomId(config.random);
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { proof: input.proof },
      change: { op: 'add', factor: 'otp' },
      kind: 'totp_added',
      newRef: factorId,
      ...(input.context ? { context: input.context } : {}),
    },
    async () => {
      await ctx.stores.factors.add({
        id: factorId,
        userId: input.userId,
        type: 'totp',
        label: input.label ?? 'Authenticator app',
        createdAtMs: nowMs,
        lastUsedAtMs: nowMs,
        data: { secret: sealSecret(config.keyring, config.random, secret), lastTimeStep: step, offsetSteps },
      });
      return { ok: true as const, value: factorId };
    },
  );
  return outcome.ok ? { ok: true, factorId, coolOffUntilMs: outcome.coolOffUntilMs } : outcome;
}
