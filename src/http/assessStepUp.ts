import type { Request, Response } from 'express';
import { deriveAssurance } from '../core/assurance/deriveAssurance';
import { evaluateStepUp, type StepUpEvaluation } from '../core/assurance/evaluateStepUp';
import type { ActionRequirement, FactorTimes, SecondFactorId } from '../core/assurance/types';
import { trustedDeviceCookie } from './trustedDeviceCookie';
import { ERRORS } from '../errors';
import type { PolicyDecision } from '../core/policy/types';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import type { GuardInternals } from './GuardInternals';
import type { StepGuardRequestInfo } from './requireStepUp';
import { readState } from './sessionState';
import { sessionLive } from './sessionLiveness';

export type StepUpAssessment =
  | { ok: true; info: StepGuardRequestInfo }
  /** `code`: why, when not the policy's own deny (a recovery waits on the account). */
  | { ok: false; kind: 'deny'; decision: PolicyDecision; code?: 'recovery_pending' }
  | {
      ok: false;
      kind: 'unauthenticated' | 'step_up';
      requirement: ActionRequirement;
      decision: PolicyDecision | null;
      reason: Exclude<StepUpEvaluation, { ok: true }>['reason'] | 'transaction_not_approved';
    };

/**
 * The one place that decides whether a request may proceed for an action: the risk policy
 * shapes the requirement (which factors, what level, how fresh), the session's factors are
 * checked against it, and a bound action must also consume its single-use approval. Both
 * requireStepUp and forward-auth answer from this.
 */
export async function assessStepUp(
  internals: GuardInternals,
  req: Request,
  res: Response,
  userId: string,
  action: string,
  details?: TransactionDetails,
): Promise<StepUpAssessment> {
  const { config } = internals;
  const base = config.actions[action] as ActionRequirement;
  // A revoked session (logout, sign out everywhere) counts for nothing, whatever it still holds.
  if (!(await sessionLive(internals.service, req, userId))) {
    return { ok: false, kind: 'unauthenticated', requirement: base, decision: null, reason: 'no_first_factor' };
  }
  const state = readState(req, userId);
  const sessionFactors = state?.factors ?? {};
  if (sessionFactors.pwd === undefined) return { ok: false, kind: 'unauthenticated', requirement: base, decision: null, reason: 'no_first_factor' };
  // While a self-service recovery waits, no high-risk action goes through, whatever the session holds.
  if (base.highRisk && (await internals.service.recoveryPending(userId))) return { ok: false, kind: 'deny', decision: recoveryDenial(base), code: 'recovery_pending' };
  // The session's cached decision, when it holds, without the async call (the usual guarded read).
  const decision = internals.risk.reusableDecision(req, res, userId, action, details) ?? (await internals.risk.decide(req, res, userId, action, details));
  if (decision.outcome === 'deny') return { ok: false, kind: 'deny', decision };
  const requirement: ActionRequirement =
    decision.outcome === 'allow'
      ? { ...base, level: 'aal1' }
      : { ...base, level: decision.level, factors: decision.acceptableFactors, maxAgeSeconds: decision.maxAgeSeconds };
  // High-risk actions count only factors the account still has and did not add in its cool-off.
  const factors = base.highRisk
    ? await internals.service.highRiskFactorTimes({ userId, factors: sessionFactors, refs: state?.refs ?? {} })
    : sessionFactors;
  const evaluation = evaluateStepUp(requirement, factors, config.clock.nowMs());
  if (!evaluation.ok) {
    // A remembered device skips a low-risk step-up, and only when no risk rule applied now.
    if (!base.highRisk && !details && decision.reasons.length === 0 && (await trustedDevice(internals, req, userId))) {
      return { ok: true, info: { ...describe(sessionFactors, userId, action, null), trustedDevice: true } };
    }
    return { ok: false, kind: 'step_up', requirement, decision, reason: evaluation.reason };
  }
  if (details) {
    const approved = state
      ? await internals.service.consumeTransactionApproval({ userId, bindingId: state.bindingId, action, details })
      : false;
    if (!approved) return { ok: false, kind: 'step_up', requirement, decision, reason: 'transaction_not_approved' };
  }
  return { ok: true, info: describe(sessionFactors, userId, action, evaluation.satisfiedBy) };
}

function describe(factors: FactorTimes, userId: string, action: string, satisfiedBy: SecondFactorId | null): StepGuardRequestInfo {
  const assurance = deriveAssurance(factors);
  return {
    userId,
    acr: assurance.acr,
    amr: assurance.amr,
    authTimes: Object.fromEntries(Object.entries(factors).map(([f, ms]) => [f, Math.floor((ms as number) / 1000)])),
    action,
    satisfiedBy,
  };
}

async function trustedDevice(internals: GuardInternals, req: Request, userId: string): Promise<boolean> {
  const id = trustedDeviceCookie(internals.config).read(req, userId);
  return id !== null && (await internals.service.isDeviceTrusted(userId, id));
}

function recoveryDenial(base: ActionRequirement): PolicyDecision {
  return {
    outcome: 'deny',
    acceptableFactors: [],
    level: base.level,
    maxAgeSeconds: base.maxAgeSeconds,
    reasons: [{ rule: 'recovery-pending', text: ERRORS.recovery_pending.message }],
    observed: [],
    score: 0,
    flagged: false,
  };
}

/** The RFC 9470-style challenge header for a requirement. */
export function stepUpChallengeHeader(requirement: ActionRequirement): string {
  return (
    `Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", ` +
    `acr_values="${requirement.level}", max_age=${requirement.maxAgeSeconds}`
  );
}
