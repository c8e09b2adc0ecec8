import { SECOND_FACTORS, type FactorTimes } from '../core/assurance/types';

/**
 * Whether the session proved itself recently enough to change factors: a second factor within
 * `seconds`, or, for a user who has none yet, the password within `seconds`.
 */
export function hasFreshFactor(factors: FactorTimes, nowMs: number, seconds: number, kind: 'password' | 'second'): boolean {
  const since = nowMs - seconds * 1000;
  if (kind === 'password') return (factors.pwd ?? -Infinity) >= since;
  return SECOND_FACTORS.some((f) => (factors[f] ?? -Infinity) >= since);
}
