import { evaluateStepUp } from '../core/assurance/evaluateStepUp';
import type { ActionRequirement, FactorRefs, FactorTimes } from '../core/assurance/types';
import { usableFactorTimes } from '../core/assurance/usableFactorTimes';
import { loadAccountFactors, type AccountFactors } from './loadAccountFactors';
import { pendingRecoveryOf } from './pendingRecoveryOf';
import type { ServiceContext } from './ServiceContext';

/** A change to how an account proves itself: every one of them passes authorizeFactorChange. */
export type FactorChange =
  | { op: 'add'; factor: 'sms' | 'otp' | 'webauthn' | 'backup' }
  | { op: 'replace'; factor: 'sms' | 'backup' }
  | { op: 'remove'; factor: 'sms' | 'otp' | 'webauthn'; ref: string }
  | { op: 'trust_device' }
  /** Not a factor, but as sensitive: sign out everywhere else, forget trusted devices. */
  | { op: 'revoke_access' }
  /** Every factor at once: only the end of a self-service recovery asks for it (completeRecovery). */
  | { op: 'remove_all' };

/** What the session proves: its factor times, which instances they were verified with, and the policy's requirement. */
export type SessionProof = {
  factors: FactorTimes;
  refs?: FactorRefs;
  /**
   * The risk policy's requirement for `factor_change` on this request (the HTTP layer asks the
   * risk engine); without one, the configured `factor_change` action applies.
   */
  requirement?: ActionRequirement;
  /**
   * The asking session (its binding and generation): checked live again here, when the change is
   * about to happen, not only when the request's headers arrived, so a request held across a
   * "sign out everywhere" or an operator's revoke changes nothing. Absent for callers without a
   * session (the operator's and CLI's resets, recovery completion).
   */
  session?: { bindingId: string; generation: number };
};

export type FactorChangeRefusal = { ok: false; reason: 'fresh_factor_required' | 'fresh_password_required' | 'last_factor' | 'recovery_pending' | 'unauthenticated' };

/**
 * The binding rule (NIST SP 800-63B-4 authenticator binding; DESIGN.md §5), the one gate every
 * factor change passes, whoever asks (routes, strategies' hosts, the admin tools go through
 * changeFactors):
 * - an account with any second factor (backup codes included) needs a step-up at aal2 or higher,
 *   no older than `factor_change.maxAgeSeconds`, with a factor the policy accepts, verified with
 *   an instance that is still enrolled and was not added during the running cool-off;
 * - adding a passkey where one exists needs a passkey (aal2-phr) when `passkeyToAddPasskey`;
 * - an account with none needs the password within `phone.freshFactorSeconds`;
 * - the last real factor (phone, app, passkey; backup codes only recover) is never removed,
 *   unless `factorChange.allowRemovingLastFactor`;
 * - nothing changes while a self-service recovery waits (`recovery_pending`: cancel it first),
 *   except taking access away (`revoke_access`).
 */
export async function authorizeFactorChange(
  ctx: ServiceContext,
  input: { userId: string; proof: SessionProof; change: FactorChange; account?: AccountFactors },
): Promise<{ ok: true; account: AccountFactors } | FactorChangeRefusal> {
  const { config } = ctx;
  const nowMs = config.clock.nowMs();
  const account = input.account ?? (await loadAccountFactors(ctx, input.userId, nowMs));
  const { proof, change } = input;
  if (proof.session) {
    const status = await ctx.stores.sessions.status(input.userId, proof.session.bindingId, nowMs);
    if (status.revoked || proof.session.generation < status.generation) return { ok: false, reason: 'unauthenticated' };
  }
  // During a recovery's wait the account stays as the owner left it (a due reminder goes out on the way);
  // taking access away (sign out everywhere else, forget devices) stays open: it is how the owner fights back.
  if (change.op !== 'revoke_access' && (await pendingRecoveryOf(ctx, input.userId))) return { ok: false, reason: 'recovery_pending' };
  if (account.instances.length === 0) {
    const since = nowMs - config.phone.freshFactorSeconds * 1000;
    if ((proof.factors.pwd ?? -Infinity) < since) return { ok: false, reason: 'fresh_password_required' };
  } else {
    const base = proof.requirement ?? (config.actions.factor_change as ActionRequirement);
    // The policy may narrow the factors, never lower the level below aal2 for a change.
    let requirement: ActionRequirement = { ...base, level: base.level === 'aal1' ? 'aal2' : base.level };
    const hasPasskey = account.instances.some((i) => i.factor === 'hwk' || i.factor === 'swk');
    if (change.op === 'add' && change.factor === 'webauthn' && hasPasskey && config.factorChange.passkeyToAddPasskey) {
      requirement = { ...requirement, level: 'aal2-phr' };
    }
    const cooling = account.coolOff && account.coolOff.untilMs > nowMs ? account.coolOff.addedRefs : [];
    const usable = usableFactorTimes(proof.factors, proof.refs ?? {}, account.instances, cooling);
    if (!evaluateStepUp(requirement, usable, nowMs).ok) return { ok: false, reason: 'fresh_factor_required' };
  }
  if (change.op === 'remove_all' && !config.factorChange.allowRemovingLastFactor && account.realFactorCount > 0) return { ok: false, reason: 'last_factor' };
  if (change.op === 'remove' && !config.factorChange.allowRemovingLastFactor) {
    const removing = account.instances.filter((i) => i.ref === change.ref && i.factor !== 'backup').length;
    if (removing > 0 && account.realFactorCount - removing <= 0) return { ok: false, reason: 'last_factor' };
  }
  return { ok: true, account };
}
