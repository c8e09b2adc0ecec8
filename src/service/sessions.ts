import type { RequestContext } from '../audit/createAuditWriter';
import { emitSecurityEvent } from './emitSecurityEvent';
import { authorizeFactorChange, type FactorChangeRefusal, type SessionProof } from './authorizeFactorChange';
import { revokeAllTrustedDevices } from './trustedDevices';
import type { ServiceContext } from './ServiceContext';

/**
 * Whether a session is still valid: not revoked by itself (logout) and issued at or after the
 * user's current generation (sign out everywhere, factor removal). Read from the store on every
 * check, so a request in flight that writes a stale session back cannot resurrect it.
 */
export async function isSessionLive(ctx: ServiceContext, input: SessionIdentity): Promise<boolean> {
  return (await sessionStanding(ctx, input)) === 'live';
}

/**
 * Who a session is to the revocation store: its binding, the generation it was issued under and
 * (for a session, not a token bound to one) its epoch, raised by each step-up that replaced it.
 */
export type SessionIdentity = { userId: string; bindingId: string; generation: number; epoch?: number };

/**
 * `isSessionLive`, saying why not: `revoked` (logout, sign out everywhere, a factor removed) or
 * `superseded` (a copy from before a step-up that replaced the session under a new id: the old
 * id, or a request in flight that wrote it back). Without `epoch` (a token bound to the session)
 * a step-up does not end it.
 */
export async function sessionStanding(ctx: ServiceContext, input: SessionIdentity): Promise<'live' | 'revoked' | 'superseded'> {
  const status = await ctx.stores.sessions.status(input.userId, input.bindingId, ctx.config.clock.nowMs());
  if (status.revoked || input.generation < status.generation) return 'revoked';
  return input.epoch !== undefined && input.epoch < (status.epoch ?? 0) ? 'superseded' : 'live';
}

/**
 * A step-up replaced the session of `bindingId` (at `epoch`) under a new id: every copy from
 * before is dead from now on (see SessionRevocationStore.supersede). The new epoch, for the new
 * session to carry; `null` when the store cannot (a custom store from before): the caller then
 * relies on deleting the old id.
 */
export async function supersedeSession(ctx: ServiceContext, input: { userId: string; bindingId: string; epoch: number }): Promise<number | null> {
  const { sessions } = ctx.stores;
  if (!sessions.supersede) return null;
  const nowMs = ctx.config.clock.nowMs();
  return sessions.supersede(input.userId, input.bindingId, input.epoch, supersededUntilMs(ctx, nowMs), nowMs);
}

/** How long a binding's epoch floor is kept: as long as a revocation, at least a session's lifetime. */
export function supersededUntilMs(ctx: ServiceContext, nowMs: number): number {
  return nowMs + ctx.config.sessions.revocationTtlSeconds * 1000;
}

/** The user's current session generation: a new session (a login) is issued under it. */
export async function sessionGenerationOf(ctx: ServiceContext, userId: string): Promise<number> {
  return (await ctx.stores.sessions.status(userId, '', ctx.config.clock.nowMs())).generation;
}

/** Ends one session for good (logout): remembered as revoked for `sessions.revocationTtlSeconds`. */
export async function revokeSession(ctx: ServiceContext, input: { userId: string; bindingId: string; context?: RequestContext }): Promise<void> {
  const nowMs = ctx.config.clock.nowMs();
  await ctx.stores.sessions.revoke(input.userId, input.bindingId, nowMs + ctx.config.sessions.revocationTtlSeconds * 1000, nowMs);
  await ctx.audit.record({ type: 'session_revoked', outcome: 'success', userId: input.userId, ...(input.context ? { context: input.context } : {}) });
}

/**
 * Ends every session of the user issued so far (sign out everywhere, password change, factor
 * removal). Returns the new generation: a session that should live on (the one that asked)
 * takes it.
 */
export async function revokeAllSessions(
  ctx: ServiceContext,
  input: { userId: string; reason: string; actor?: string; notify?: boolean; context?: RequestContext; caller?: { bindingId: string; generation: number } },
): Promise<number | null> {
  const nowMs = ctx.config.clock.nowMs();
  const generation = await ctx.stores.sessions.revokeAll(input.userId, nowMs + ctx.config.sessions.revocationTtlSeconds * 1000, nowMs, input.caller);
  if (generation === null) return null;
  await ctx.audit.record({
    type: 'sessions_revoked',
    outcome: 'success',
    userId: input.userId,
    reasons: [input.reason],
    ...(input.actor ? { actor: input.actor } : {}),
    ...(input.context ? { context: input.context } : {}),
  });
  if (input.notify !== false) {
    await emitSecurityEvent(ctx, { type: 'sessions_revoked', userId: input.userId, change: input.reason, factor: null, atMs: nowMs, coolOffUntilMs: null, actor: input.actor ?? 'user' });
  }
  return generation;
}

/**
 * "Sign out everywhere else", asked by a signed-in user: it passes the binding rule like a
 * factor change (a password alone must not sign the owner out and keep its own session), and
 * it happens only while the asking session is still live, atomically, so a request in flight
 * from a session just signed out cannot turn the tables. Trusted devices go too: a thief's
 * remembered browser must not outlive the owner's "sign out everywhere".
 */
export async function signOutEverywhereElse(
  ctx: ServiceContext,
  input: { userId: string; proof: SessionProof; caller: { bindingId: string; generation: number }; context?: RequestContext },
): Promise<{ ok: true; generation: number } | FactorChangeRefusal | { ok: false; reason: 'unauthenticated' }> {
  const allowed = await authorizeFactorChange(ctx, { userId: input.userId, proof: input.proof, change: { op: 'revoke_access' } });
  if (!allowed.ok) return allowed;
  const generation = await revokeAllSessions(ctx, { userId: input.userId, reason: 'sign_out_everywhere', caller: input.caller, ...(input.context ? { context: input.context } : {}) });
  if (generation === null) return { ok: false, reason: 'unauthenticated' };
  await revokeAllTrustedDevices(ctx, input.userId, 'sign_out_everywhere');
  return { ok: true, generation };
}
