import { PHISHING_RESISTANT_FACTORS, type ActionRequirement, type FactorTimes, type SecondFactorId } from './types';

export type StepUpEvaluation =
  | { ok: true; satisfiedBy: SecondFactorId | null; verifiedAtMs: number | null }
  | {
      ok: false;
      reason: 'no_first_factor' | 'step_up_required' | 'step_up_stale';
      acceptableFactors: SecondFactorId[];
    };

/**
 * Decides whether a session's verified factors meet an action's requirement at `nowMs`.
 * Freshness is per action: a factor verified 10 minutes ago satisfies `login` (12 h) but
 * not `transfer` (5 min). Pure: the caller supplies the time.
 */
export function evaluateStepUp(requirement: ActionRequirement, factors: FactorTimes, nowMs: number): StepUpEvaluation {
  const acceptable = acceptableFactorsFor(requirement);
  if (factors.pwd === undefined) return { ok: false, reason: 'no_first_factor', acceptableFactors: acceptable };
  if (requirement.level === 'aal1') return { ok: true, satisfiedBy: null, verifiedAtMs: null };
  const maxAgeMs = requirement.maxAgeSeconds * 1000;
  let freshest: { factor: SecondFactorId; at: number } | null = null;
  let anyVerified = false;
  for (const factor of acceptable) {
    const at = factors[factor];
    if (at === undefined) continue;
    anyVerified = true;
    // A time in the future (clock skew between app nodes) counts as now, never as fresher.
    if (nowMs - at <= maxAgeMs && (freshest === null || at > freshest.at)) freshest = { factor, at };
  }
  if (freshest) return { ok: true, satisfiedBy: freshest.factor, verifiedAtMs: freshest.at };
  return { ok: false, reason: anyVerified ? 'step_up_stale' : 'step_up_required', acceptableFactors: acceptable };
}

/** The second factors that can satisfy an action, given the level it demands. */
export function acceptableFactorsFor(requirement: ActionRequirement): SecondFactorId[] {
  if (requirement.level === 'aal2-phr') {
    return requirement.factors.filter((f) => PHISHING_RESISTANT_FACTORS.includes(f));
  }
  return [...requirement.factors];
}
