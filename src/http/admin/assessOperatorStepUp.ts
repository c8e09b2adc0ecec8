import type { Request, Response } from 'express';
import { evaluateStepUp } from '../../core/assurance/evaluateStepUp';
import { PHISHING_RESISTANT_FACTORS, type ActionRequirement, type AssuranceLevel, type SecondFactorId } from '../../core/assurance/types';
import type { GuardInternals } from '../GuardInternals';
import { readState } from '../sessionState';
import { sessionLive } from '../sessionLiveness';

/** The action the console's step-up is asked for and audited under (a default of config.actions). */
export const ADMIN_ACTION = 'admin_console';

export type OperatorAssessment =
  | { ok: true; satisfiedBy: SecondFactorId | null }
  | { ok: false; kind: 'unauthenticated' }
  | { ok: false; kind: 'deny'; reasons: string[] }
  /** The step-up holds but for the first-factor wait: another step-up would not help. */
  | { ok: false; kind: 'first_factor_waiting'; reason: string }
  | { ok: false; kind: 'step_up'; requirement: ActionRequirement; reason: string };

/**
 * Whether the signed-in operator's session holds the console's step-up: a live session, the
 * risk policy's decision for `admin_console` (a deny is a deny), and a second factor of the
 * required level verified within `maxAgeSeconds` — counted the high-risk way, so a factor
 * removed since, or added during the account's cool-off, does not count. Freshness is the
 * console's own: a passkey used an hour ago for a 12 h `login` step-up is stale here. A factor
 * the account bound with the password alone counts only `firstFactorWaitSeconds` after it was
 * bound (a 403 saying so meanwhile), so knowing the password is not enough to open the console.
 */
export async function assessOperatorStepUp(
  internals: GuardInternals,
  req: Request,
  res: Response,
  userId: string,
  options: { requireAssurance: AssuranceLevel; maxAgeSeconds: number; firstFactorWaitSeconds: number },
): Promise<OperatorAssessment> {
  const { config, service, risk } = internals;
  if (!(await sessionLive(service, req, userId))) return { ok: false, kind: 'unauthenticated' };
  const state = readState(req, userId);
  if (!state || state.factors.pwd === undefined) return { ok: false, kind: 'unauthenticated' };
  const decision = await risk.decide(req, res, userId, ADMIN_ACTION);
  if (decision.outcome === 'deny') return { ok: false, kind: 'deny', reasons: decision.reasons.map((r) => r.text) };
  const base = config.actions[ADMIN_ACTION] as ActionRequirement;
  const strongest = options.requireAssurance === 'aal2-phr' || decision.level === 'aal2-phr' || base.level === 'aal2-phr' ? 'aal2-phr' : 'aal2';
  // The policy may take factors away (SMS after a SIM swap), never add any; the console never accepts backup codes alone.
  const allowed: readonly SecondFactorId[] = strongest === 'aal2-phr' ? PHISHING_RESISTANT_FACTORS : ['sms', 'otp', 'hwk', 'swk'];
  const factors = allowed.filter((f) => decision.outcome !== 'step-up' || decision.acceptableFactors.includes(f));
  const requirement: ActionRequirement = {
    ...base,
    level: strongest,
    factors: factors.length > 0 ? factors : allowed,
    // A rule that fired may shorten the freshness; the console's own setting is otherwise what counts.
    maxAgeSeconds: decision.reasons.length > 0 ? Math.min(options.maxAgeSeconds, decision.maxAgeSeconds) : options.maxAgeSeconds,
  };
  const refs = state.refs ?? {};
  const usable = await service.highRiskFactorTimes({ userId, factors: state.factors, refs, firstFactorWaitSeconds: options.firstFactorWaitSeconds });
  const nowMs = config.clock.nowMs();
  const evaluation = evaluateStepUp(requirement, usable, nowMs);
  if (!evaluation.ok) {
    // A step-up that passes but for the first-factor wait: another step-up would not help, so say why and until when.
    if (options.firstFactorWaitSeconds > 0 && evaluateStepUp(requirement, await service.highRiskFactorTimes({ userId, factors: state.factors, refs }), nowMs).ok) {
      const wait = options.firstFactorWaitSeconds % 3600 === 0 ? `${options.firstFactorWaitSeconds / 3600} h` : `${options.firstFactorWaitSeconds} s`;
      return { ok: false, kind: 'first_factor_waiting', reason: `first_factor_waiting: your only second factor was added with the password alone; it opens the console ${wait} after it was added (firstFactorWaitSeconds)` };
    }
    return { ok: false, kind: 'step_up', requirement, reason: evaluation.reason };
  }
  return { ok: true, satisfiedBy: evaluation.satisfiedBy };
}
