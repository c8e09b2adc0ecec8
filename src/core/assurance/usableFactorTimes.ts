import { SECOND_FACTORS, type FactorRefs, type FactorTimes, type SecondFactorId } from './types';

/** One enrolled second factor as the session names it, with its ref (phone hash or factor id). */
export type FactorInstance = { factor: SecondFactorId; ref: string };

const isWebAuthn = (f: SecondFactorId) => f === 'hwk' || f === 'swk';
const sameKind = (a: SecondFactorId, b: SecondFactorId) => a === b || (isWebAuthn(a) && isWebAuthn(b));

/**
 * The session's factor times that may satisfy a high-risk action or a factor change: each
 * second factor counts only when it was verified with an instance that is still enrolled and
 * was not added during the running cool-off (`coolingRefs`). A time without a ref (a session
 * from before refs were kept, or a host that did not pass one) does not count: fail closed.
 * The password time is kept as it is.
 */
export function usableFactorTimes(
  times: FactorTimes,
  refs: FactorRefs,
  instances: readonly FactorInstance[],
  coolingRefs: readonly string[],
): FactorTimes {
  const usable: FactorTimes = {};
  if (times.pwd !== undefined) usable.pwd = times.pwd;
  for (const factor of SECOND_FACTORS) {
    const at = times[factor];
    const ref = refs[factor];
    if (at === undefined || ref === undefined) continue;
    if (!instances.some((i) => i.ref === ref && sameKind(i.factor, factor))) continue;
    if (coolingRefs.includes(ref)) continue;
    usable[factor] = at;
  }
  return usable;
}
