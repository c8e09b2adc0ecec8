import type { StepGuardConfig } from '../config';
import type { FactorTimes } from '../core/assurance/types';

/**
 * The binding rule's "fresh password" (authorizeFactorChange, for an account without a second
 * factor): the session verified the password within `phone.freshFactorSeconds`.
 */
export function hasFreshPassword(config: Pick<StepGuardConfig, 'phone'>, factors: FactorTimes, nowMs: number): boolean {
  return (factors.pwd ?? Number.NEGATIVE_INFINITY) >= nowMs - config.phone.freshFactorSeconds * 1000;
}
