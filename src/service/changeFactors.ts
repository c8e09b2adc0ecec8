import type { RequestContext } from '../audit/createAuditWriter';
import type { SecurityEvent } from '../config';
import { authorizeFactorChange, type FactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { loadAccountFactors, type AccountFactors } from './loadAccountFactors';
import { revokeAllSessions } from './sessions';
import { emitSecurityEvent } from './emitSecurityEvent';
import type { NoticeTemplate } from './sendSecurityNotice';
import type { ServiceContext } from './ServiceContext';
import { revokeAllTrustedDevices } from './trustedDevices';

/**
 * Who asks: a user whose session proves itself, an operator (support desk, CLI) with a reason,
 * or a self-service recovery that completed its wait (completeRecovery; its id).
 */
export type ChangeActor = { proof: SessionProof } | { admin: string; reason: string } | { recovery: string };

export type ChangeOutcome<T> =
  | { ok: true; value: T; coolOffUntilMs: number | null; sessionGeneration: number | null }
  | FactorChangeRefusal;

type Mutation<T, R extends string> = (account: AccountFactors) => Promise<{ ok: true; value: T } | { ok: false; reason: R }>;

const AUDIT_FACTOR: Record<string, SecurityEvent['factor']> = { sms: 'sms', otp: 'otp', webauthn: 'webauthn', backup: 'backup' };

/**
 * The one way a factor is added, replaced or removed, so that routes, the CLI and the admin
 * console all get the same rules and effects, in this order:
 * 1. the binding rule (authorizeFactorChange) — operators skip it, nothing else does;
 * 2. the audit record (before the change: an unrecorded change is worse than a refused one);
 * 3. the account cool-off (DESIGN.md §5), started or extended, with the new factor's ref, unless
 *    this is the first factor of an account that never had one and no cool-off runs;
 * 4. the change itself (`mutate`), which may still refuse (e.g. a number on too many accounts);
 * 5. trusted devices revoked; a removal or a new number revokes the user's other sessions;
 * 6. notices on every other channel: SMS to the number the account had (through the
 *    anti-pumping guard and the notice budget), and the host's `onSecurityEvent`.
 * A notice that cannot be sent is audited and never undoes the change.
 */
export async function changeFactors<T, R extends string = never>(
  ctx: ServiceContext,
  input: {
    userId: string;
    actor: ChangeActor;
    change: FactorChange;
    /** What the audit trail and the notice call it: `totp_added`, `phone_changed`... */
    kind: string;
    /** The new factor's ref (phone hash or factor id), so the cool-off knows it. */
    newRef?: string;
    /** Values for the notice text (e.g. `last2` of a new number). */
    noticeValues?: Record<string, string>;
    context?: RequestContext;
  },
  mutate: Mutation<T, R>,
): Promise<ChangeOutcome<T> | { ok: false; reason: R }> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  let account: AccountFactors;
  if ('proof' in input.actor) {
    const allowed = await authorizeFactorChange(ctx, { userId: input.userId, proof: input.actor.proof, change: input.change });
    if (!allowed.ok) {
      await ctx.audit.record({ type: 'factor_change_refused', outcome: 'blocked', userId: input.userId, reasons: [`change=${input.kind}`, allowed.reason], ...(input.context ? { context: input.context } : {}) });
      return allowed;
    }
    account = allowed.account;
  } else {
    account = await loadAccountFactors(ctx, input.userId, nowMs);
  }
  const actor = 'admin' in input.actor ? `admin:${input.actor.admin}` : 'recovery' in input.actor ? 'recovery' : 'user';
  const factor =
    input.change.op === 'remove_all' ? null : input.change.op === 'trust_device' || input.change.op === 'revoke_access' ? 'device' : (AUDIT_FACTOR[input.change.factor] ?? null);
  await ctx.audit.record({
    type: 'factor_changed',
    outcome: 'success',
    userId: input.userId,
    factor,
    actor,
    reasons: [
      `change=${input.kind}`,
      ...('admin' in input.actor ? [`reason=${input.actor.reason.slice(0, 500)}`] : []),
      ...('recovery' in input.actor ? [`recovery=${input.actor.recovery}`] : []),
    ],
    phone: account.phone?.e164 ?? null,
    ...(input.context ? { context: input.context } : {}),
  });

  let coolOffUntilMs: number | null = null;
  const isAuthenticatorChange = input.change.op !== 'trust_device' && input.change.op !== 'revoke_access';
  const coolOffRuns = account.coolOff !== null && account.coolOff.untilMs > nowMs;
  if (isAuthenticatorChange && config.factorChange.coolOffSeconds > 0 && (account.instances.length > 0 || coolOffRuns || config.factorChange.coolOffFirstFactor)) {
    const coolOff = await stores.coolOffs.start(input.userId, {
      nowMs,
      untilMs: nowMs + config.factorChange.coolOffSeconds * 1000,
      ...(input.newRef && input.change.op !== 'remove' ? { addedRef: input.newRef } : {}),
    });
    coolOffUntilMs = coolOff.untilMs;
  }

  const result = await mutate(account);
  if (!result.ok) return result;

  let sessionGeneration: number | null = null;
  if (isAuthenticatorChange) {
    await revokeAllTrustedDevices(ctx, input.userId, input.kind);
    if (input.change.op === 'remove' || input.change.op === 'remove_all' || (input.change.op === 'replace' && input.change.factor === 'sms')) {
      // Whoever made the change ended the sessions: an operator's reset is audited as the operator's.
      // The asking session (a user's) keeps living only if it is still live at this moment, atomically
      // with the revocation: one revoked since the binding rule's check gets no new generation.
      const caller = 'proof' in input.actor ? input.actor.proof.session : undefined;
      sessionGeneration = await revokeAllSessions(ctx, { userId: input.userId, reason: input.kind, notify: false, ...(caller ? { caller } : {}), ...(actor !== 'user' ? { actor } : {}), ...(input.context ? { context: input.context } : {}) });
    }
  }
  await notifyChange(ctx, {
    userId: input.userId,
    account,
    kind: input.kind,
    factor,
    actor,
    newRef: input.newRef,
    smsNotice: isAuthenticatorChange,
    coolOffUntilMs,
    values: input.noticeValues ?? {},
  });
  return { ok: true, value: result.value, coolOffUntilMs, sessionGeneration };
}

const TEMPLATE_FOR: Record<string, NoticeTemplate> = { phone_changed: 'phoneChanged', backup_codes_regenerated: 'backupCodesRegenerated', recovery_completed: 'recoveryCompleted' };

/** Tells the user on every channel but the new one; never throws for a notice that did not go out. */
async function notifyChange(
  ctx: ServiceContext,
  input: {
    userId: string;
    account: AccountFactors;
    kind: string;
    factor: SecurityEvent['factor'];
    actor: string;
    newRef: string | undefined;
    smsNotice: boolean;
    coolOffUntilMs: number | null;
    values: Record<string, string>;
  },
): Promise<void> {
  const phone = input.account.phone;
  // Trusting a device is a convenience, not an authenticator: the hook hears of it, the phone does not.
  const template = TEMPLATE_FOR[input.kind];
  const sms = input.smsNotice && phone && phone.phoneHash !== input.newRef ? { to: phone.e164, country: phone.country, values: input.values, ...(template ? { template } : {}) } : null;
  // One alert per change: the SMS and the hook's event both come from the alert path, never a second notice here.
  await emitSecurityEvent(
    ctx,
    {
      type: 'factor_changed',
      userId: input.userId,
      change: input.kind,
      factor: input.factor,
      atMs: ctx.config.clock.nowMs(),
      coolOffUntilMs: input.coolOffUntilMs,
      actor: input.actor,
    },
    { sms },
  );
}

export type { FactorChange, SessionProof };
