import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHash } from 'node:crypto';
import type { RequestContext } from '../audit/createAuditWriter';
import { newRandomId } from '../core/random';
import type { EnrolledFactor } from '../stores/types';
import { secondsUntil } from './sendSmsChallenge';
import type { ServiceContext } from './ServiceContext';
import { authorizeFactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';

const CHALLENGE_TTL_MS = 5 * 60_000;

type Session = { userId: string; bindingId: string };

/** A challenge is an approval in the approval store: single use (atomic) and expiring in 5 minutes. */
async function issueChallenge(ctx: ServiceContext, s: Session, purpose: string): Promise<Uint8Array<ArrayBuffer>> {
  // Bytes, not a string: the library would UTF-8-encode a string, and the browser echoes the
  // base64url of whatever bytes it got, which is the key we store.
  const challenge = new Uint8Array(new ArrayBuffer(32));
  challenge.set(ctx.config.random.bytes(32));
  const nowMs = ctx.config.clock.nowMs();
  const key = Buffer.from(challenge).toString('base64url');
  await ctx.stores.approvals.grant({ userId: s.userId, bindingId: s.bindingId, action: purpose, txHash: key }, nowMs + CHALLENGE_TTL_MS, nowMs);
  return challenge;
}

function consumeChallenge(ctx: ServiceContext, s: Session, purpose: string) {
  return (challenge: string) =>
    ctx.stores.approvals.consume({ userId: s.userId, bindingId: s.bindingId, action: purpose, txHash: challenge }, ctx.config.clock.nowMs());
}

const credentialsOf = (factors: EnrolledFactor[]) =>
  factors.map((f) => ({ id: String(f.data.credentialId), transports: (f.data.transports as string[] | undefined) ?? [] }));

/** Registration options for a new passkey (existing ones excluded, so one device is not added twice). */
export async function beginPasskeyRegistration(
  ctx: ServiceContext,
  s: Session & { userName: string; proof: SessionProof },
): Promise<{ ok: true; options: PublicKeyCredentialCreationOptionsJSON } | FactorChangeRefusal> {
  const allowed = await authorizeFactorChange(ctx, { userId: s.userId, proof: s.proof, change: { op: 'add', factor: 'webauthn' } });
  if (!allowed.ok) return allowed;
  const { webauthn } = ctx.config;
  const existing = await ctx.stores.factors.list(s.userId, 'webauthn');
  const options = await generateRegistrationOptions({
    rpName: webauthn.rpName,
    rpID: webauthn.rpID,
    userName: s.userName,
    // An opaque handle, not the user id: authenticators may show or sync it.
    userID: createHash('sha256').update(`${ctx.config.secrets.pepper}:${s.userId}`).digest().subarray(0, 32),
    challenge: await issueChallenge(ctx, s, 'webauthn:register'),
    attestationType: 'none',
    excludeCredentials: credentialsOf(existing),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    timeout: CHALLENGE_TTL_MS,
  });
  return { ok: true, options };
}

/** Verifies a registration and stores the credential; the challenge is spent either way. */
export async function finishPasskeyRegistration(
  ctx: ServiceContext,
  s: Session & { response: RegistrationResponseJSON; nickname: string; proof: SessionProof; context?: RequestContext },
): Promise<{ ok: true; factorId: string } | { ok: false; reason: 'webauthn_failed' } | FactorChangeRefusal> {
  const { webauthn } = ctx.config;
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: s.response,
      expectedChallenge: consumeChallenge(ctx, s, 'webauthn:register'),
      expectedOrigin: [...webauthn.origins],
      expectedRPID: webauthn.rpID,
      requireUserVerification: false,
    });
  } catch {
    return { ok: false, reason: 'webauthn_failed' };
  }
  if (!verification.verified) return { ok: false, reason: 'webauthn_failed' };
  const info = verification.registrationInfo;
  const nowMs = ctx.config.clock.nowMs();
  const factorId = newRandomId(ctx.config.random);
  const outcome = await changeFactors(
    ctx,
    {
      userId: s.userId,
      actor: { proof: s.proof },
      change: { op: 'add', factor: 'webauthn' },
      kind: 'passkey_added',
      newRef: factorId,
      ...(s.context ? { context: s.context } : {}),
    },
    async () => {
      await ctx.stores.factors.add({
        id: factorId,
        userId: s.userId,
        type: 'webauthn',
        label: s.nickname,
        createdAtMs: nowMs,
        lastUsedAtMs: null,
        data: {
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
        },
      });
      return { ok: true as const, value: factorId };
    },
  );
  return outcome.ok ? { ok: true, factorId } : outcome;
}

/** Authentication options listing the user's passkeys. */
export async function beginPasskeyAuthentication(ctx: ServiceContext, s: Session): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const existing = await ctx.stores.factors.list(s.userId, 'webauthn');
  if (existing.length === 0) return null;
  return generateAuthenticationOptions({
    rpID: ctx.config.webauthn.rpID,
    allowCredentials: credentialsOf(existing),
    challenge: await issueChallenge(ctx, s, 'webauthn:authenticate'),
    userVerification: 'preferred',
    timeout: CHALLENGE_TTL_MS,
  });
}

/**
 * Verifies an assertion. The attempt counts against the account first; the signature counter
 * must move forward (compare-and-set), except for authenticators that always report 0.
 */
export async function finishPasskeyAuthentication(
  ctx: ServiceContext,
  s: Session & { response: AuthenticationResponseJSON; context?: RequestContext },
): Promise<{ ok: true; factor: 'hwk' | 'swk'; verifiedAtMs: number; ref: string } | { ok: false; reason: 'webauthn_failed' | 'not_enrolled' } | { ok: false; reason: 'locked'; retryAfterSeconds: number }> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const factor = (await stores.factors.list(s.userId, 'webauthn')).find((f) => f.data.credentialId === s.response.id);
  if (!factor) return { ok: false, reason: 'not_enrolled' };
  const reserved = await stores.challenges.reserveFactorAttempt(s.userId, nowMs, config.lockout);
  if (!reserved.ok) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
  const storedCounter = Number(factor.data.counter ?? 0);
  const fail = async (why: string) => {
    await ctx.audit.record({ type: 'webauthn_failed', outcome: 'failure', userId: s.userId, reasons: [why], ...(s.context ? { context: s.context } : {}) });
    return { ok: false as const, reason: 'webauthn_failed' as const };
  };
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: s.response,
      expectedChallenge: consumeChallenge(ctx, s, 'webauthn:authenticate'),
      expectedOrigin: [...config.webauthn.origins],
      expectedRPID: config.webauthn.rpID,
      credential: {
        id: String(factor.data.credentialId),
        publicKey: new Uint8Array(Buffer.from(String(factor.data.publicKey), 'base64url')),
        counter: storedCounter,
        transports: (factor.data.transports as never[]) ?? [],
      },
      requireUserVerification: false,
    });
  } catch (err) {
    return fail(/counter/i.test(String(err)) ? 'counter_regression' : 'invalid_assertion');
  }
  if (!verification.verified) return fail('invalid_assertion');
  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  const alwaysZero = newCounter === 0 && storedCounter === 0;
  if (!alwaysZero && !(await stores.factors.advance(s.userId, factor.id, 'counter', newCounter))) return fail('counter_regression');
  await stores.challenges.clearFailures(s.userId);
  const sessionFactor = credentialBackedUp ? 'swk' : 'hwk';
  await ctx.audit.record({ type: 'webauthn_verified', outcome: 'success', userId: s.userId, factor: sessionFactor, ...(s.context ? { context: s.context } : {}) });
  await stores.factors.update(s.userId, factor.id, { lastUsedAtMs: nowMs, data: { backedUp: credentialBackedUp } });
  return { ok: true, factor: sessionFactor, verifiedAtMs: nowMs, ref: factor.id };
}
