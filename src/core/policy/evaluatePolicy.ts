import { LEVELS, PHISHING_RESISTANT_FACTORS, type ActionRequirement, type AssuranceLevel, type SecondFactorId } from '../assurance/types';
import type { Condition, OnNoStrongFactor, PolicyContext, PolicyDecision, PolicyRule, RiskSignals } from './types';

export type EvaluatePolicyInput = {
  action: string;
  requirement: ActionRequirement;
  rules: readonly PolicyRule[];
  signals: RiskSignals;
  enrolledFactors: readonly SecondFactorId[];
  onNoStrongFactor: OnNoStrongFactor;
};

const higher = (a: AssuranceLevel, b: AssuranceLevel): AssuranceLevel => (LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b);

/**
 * Decides what an action needs given the risk signals: a pure function over the ordered rules.
 * Effects only ever tighten (factors leave the set, the level rises, the maximum age falls, deny
 * wins), and conditions are monotone, so adding a risk signal never lowers the requirement.
 */
export function evaluatePolicy(input: EvaluatePolicyInput): PolicyDecision {
  const { requirement, signals } = input;
  const context: PolicyContext = { enrolledFactors: input.enrolledFactors, action: input.action, highRisk: requirement.highRisk };
  let factors = new Set<SecondFactorId>(requirement.factors);
  let level = requirement.level;
  let maxAgeSeconds = requirement.maxAgeSeconds;
  let stepUp = requirement.level !== 'aal1';
  let deny = false;
  let score = 0;
  const reasons: PolicyDecision['reasons'] = [];
  const observed: string[] = [];

  for (const rule of input.rules) {
    if (rule.actions && !rule.actions.includes(input.action)) continue;
    if (rule.highRiskOnly && !requirement.highRisk) continue;
    const matched = typeof rule.when === 'function' ? rule.when(signals, context) : conditionHolds(rule.when, signals);
    if (!matched) continue;
    const denies = rule.then.some((e) => e.type === 'deny');
    score += rule.score ?? (denies ? 100 : 10);
    if (rule.observeOnly) {
      observed.push(rule.name);
      continue;
    }
    reasons.push({ rule: rule.name, text: rule.reason });
    for (const effect of rule.then) {
      switch (effect.type) {
        case 'deny':
          deny = true;
          break;
        case 'require_step_up':
          stepUp = true;
          level = higher(level, 'aal2');
          break;
        case 'remove_factors':
          factors = new Set([...factors].filter((f) => !effect.factors.includes(f)));
          stepUp = true;
          level = higher(level, 'aal2');
          break;
        case 'require_level':
          level = higher(level, effect.level);
          stepUp = stepUp || effect.level !== 'aal1';
          break;
        case 'require_strongest_available':
          stepUp = true;
          if (input.enrolledFactors.some((f) => PHISHING_RESISTANT_FACTORS.includes(f))) level = higher(level, 'aal2-phr');
          else factors = new Set([...factors].filter((f) => f !== 'sms' && f !== 'backup'));
          level = higher(level, 'aal2');
          break;
        case 'max_age':
          maxAgeSeconds = Math.min(maxAgeSeconds, effect.seconds);
          break;
      }
    }
  }

  if (level === 'aal2-phr') factors = new Set([...factors].filter((f) => PHISHING_RESISTANT_FACTORS.includes(f)));
  let acceptable = requirement.factors.filter((f) => factors.has(f));
  let flagged = false;
  const escalated = acceptable.length < requirement.factors.length;
  if (stepUp && !deny && escalated && !acceptable.some((f) => input.enrolledFactors.includes(f))) {
    switch (input.onNoStrongFactor) {
      case 'deny':
        deny = true;
        reasons.push({ rule: 'no-strong-factor', text: 'You have no factor strong enough for this. Contact support to recover access.' });
        break;
      case 'backup_code':
        if (!acceptable.includes('backup')) acceptable = [...acceptable, 'backup'];
        break;
      case 'allow_flagged':
        acceptable = requirement.factors.filter((f) => input.enrolledFactors.includes(f) || acceptable.includes(f));
        flagged = true;
        break;
      case 'require':
        break;
    }
  }
  return {
    outcome: deny ? 'deny' : stepUp ? 'step-up' : 'allow',
    acceptableFactors: acceptable,
    level,
    maxAgeSeconds,
    reasons,
    observed,
    score,
    flagged,
  };
}

/** Whether a data condition holds for the signals. */
export function conditionHolds(condition: Condition, signals: RiskSignals): boolean {
  if ('all' in condition) return condition.all.every((c) => conditionHolds(c, signals));
  if ('any' in condition) return condition.any.some((c) => conditionHolds(c, signals));
  const value = signals[condition.signal];
  if ('atLeast' in condition) return typeof value === 'number' && value >= condition.atLeast;
  if ('oneOf' in condition) return typeof value === 'string' && condition.oneOf.includes(value);
  return value === true || (typeof value === 'number' && value > 0) || (typeof value === 'string' && value.length > 0);
}
