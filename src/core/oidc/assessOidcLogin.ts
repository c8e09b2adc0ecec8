import { deriveAssurance, levelSatisfies } from '../assurance/deriveAssurance';
import { acceptableFactorsFor } from '../assurance/evaluateStepUp';
import { LEVELS, SECOND_FACTORS, type AssuranceLevel, type FactorTimes, type SecondFactorId } from '../assurance/types';
import { higherLevel } from './acrLevels';
import type { AcrRequest } from './readAcrRequest';

/** What the risk policy says about this sign-in (see risk/createRiskEngine: `decide` for the action). */
export type OidcPolicy = {
  /** Second factors the policy accepts now; only they count towards `acr`. */
  acceptableFactors: readonly SecondFactorId[];
  /** How long ago a second factor may have been verified and still count (the action's, as the policy set it). */
  maxAgeSeconds: number;
  /** The level the policy demands whatever the client asked: `aal1` when no risk rule applied. */
  minimumLevel: AssuranceLevel;
};

export type OidcLoginAssessment =
  | {
      ok: true;
      /** The `acr` claim: the first value the client listed that the session reaches, else the session's level. */
      acr: string;
      level: AssuranceLevel;
      /** RFC 8176 values of the factors counted, `mfa` when more than one. */
      amr: string[];
      /** `auth_time`: the most recent verification among the factors counted, never later than it happened. */
      authTimeSeconds: number;
    }
  | {
      ok: false;
      /**
       * `no_first_factor`: nobody is signed in. `level_not_reached`: a stronger factor is needed.
       * `too_old`: `max_age` wants an authentication newer than any the session holds.
       * `acr_not_supported`: an essential `acr` claim names only values this provider cannot issue.
       */
      reason: 'no_first_factor' | 'level_not_reached' | 'too_old' | 'acr_not_supported';
      /** The level a step-up must reach. */
      targetLevel: AssuranceLevel;
      /** Second factors that would satisfy the request when verified now. */
      acceptableFactors: SecondFactorId[];
    };

/**
 * Decides whether the session's verified factors satisfy an OpenID Connect authorization request,
 * and what the ID token may then say. Only what the session really holds counts: the password,
 * and second factors the policy accepts that are fresh for the action and, under `max_age`, were
 * verified within `max_age` of the request (`requestedAtMs`). The `acr` and `amr` are derived
 * from those factors alone and `auth_time` is the newest of their times, so a claim is never
 * higher, and an authentication never newer, than what happened. Pure: the caller supplies time.
 */
export function assessOidcLogin(request: AcrRequest, factors: FactorTimes, policy: OidcPolicy, time: { nowMs: number; requestedAtMs: number }): OidcLoginAssessment {
  const { nowMs } = time;
  const requestedAtMs = Math.min(time.requestedAtMs, nowMs);
  const wanted = request.choices.length > 0 ? request.choices.reduce<AssuranceLevel>((low, c) => (LEVELS.indexOf(c.level) < LEVELS.indexOf(low) ? c.level : low), 'aal2-phr') : 'aal1';
  const targetLevel = higherLevel(wanted, policy.minimumLevel);
  const stepUpFactors = () => acceptableFactorsFor({ level: targetLevel === 'aal1' ? 'aal2' : targetLevel, factors: policy.acceptableFactors, maxAgeSeconds: 0, bindTransaction: false, highRisk: false });
  const refuse = (reason: Extract<OidcLoginAssessment, { ok: false }>['reason']) => ({ ok: false as const, reason, targetLevel, acceptableFactors: stepUpFactors() });

  if (request.essential && request.choices.length === 0) return refuse('acr_not_supported');
  if (factors.pwd === undefined) return refuse('no_first_factor');

  const oldestAllowedMs = request.maxAgeSeconds === undefined ? -Infinity : requestedAtMs - request.maxAgeSeconds * 1000;
  const counted: FactorTimes = { pwd: Math.min(factors.pwd, nowMs) };
  for (const factor of SECOND_FACTORS) {
    const at = factors[factor];
    if (at === undefined || !policy.acceptableFactors.includes(factor)) continue;
    // A time in the future (clock skew between nodes) counts as now, never as fresher.
    const atMs = Math.min(at, nowMs);
    if (nowMs - atMs > policy.maxAgeSeconds * 1000 || atMs < oldestAllowedMs) continue;
    counted[factor] = atMs;
  }
  const assurance = deriveAssurance(counted);
  const level = assurance.acr as AssuranceLevel;
  const authTimeMs = assurance.authTimeMs as number;
  if (authTimeMs < oldestAllowedMs) return refuse('too_old');
  if (!levelSatisfies(level, targetLevel)) return refuse('level_not_reached');
  const acr = request.choices.find((choice) => levelSatisfies(level, choice.level))?.value ?? level;
  return { ok: true, acr, level, amr: assurance.amr, authTimeSeconds: Math.floor(authTimeMs / 1000) };
}
