/** How failures on one throttle key turn into delays. */
export type ThrottlePolicy = {
  /** Failures remembered at once that pass without any delay. */
  freeFailures: number;
  /** The delay the last free failure earns; it doubles with every failure after it. */
  baseDelayMs: number;
  /** The delay never grows past this. */
  maxDelayMs: number;
  /** How long the count is kept after the last failure (and at least as long as a delay). */
  memoryMs: number;
};

/**
 * The delay a key earns with its `failures`-th counted failure: none before the free budget is
 * spent, then `baseDelayMs` doubling with each further failure, at most `maxDelayMs`.
 * (The Redis script computes the same; keep the two in step.)
 */
export function throttleDelayMs(failures: number, policy: Pick<ThrottlePolicy, 'freeFailures' | 'baseDelayMs' | 'maxDelayMs'>): number {
  if (failures < policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures, 40);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** doublings);
}
