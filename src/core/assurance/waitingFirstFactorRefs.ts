/**
 * A second factor of the account with when it was enrolled (phone: when the number was first
 * bound). `vouches: false` for backup codes: they recover an account, so binding a factor on
 * their step-up proves no more than the password that generated them.
 */
export type EnrolledInstance = { ref: string; enrolledAtMs: number; vouches?: boolean };

/**
 * The refs of factors that are still waiting: a factor is settled `waitSeconds` after it was
 * enrolled, or at once when it was enrolled while another settled factor that vouches (not
 * backup codes) was on the account — bound with that one's step-up, it is the account
 * cool-off's business (DESIGN.md §5). Everything else was bound with the password alone, or on
 * the step-up of a factor that itself proved no more than the password (backup codes, another
 * waiting factor), and counts where a factor must add to the password (the admin console) only
 * after the wait: time for the owner to see the factor-added alert and react.
 * Judged on what the account has now (a removed factor vouches for nothing).
 */
export function waitingFirstFactorRefs(instances: readonly EnrolledInstance[], input: { nowMs: number; waitSeconds: number }): string[] {
  if (input.waitSeconds <= 0) return [];
  const waitMs = input.waitSeconds * 1000;
  const byEnrolment = [...instances].sort((a, b) => a.enrolledAtMs - b.enrolledAtMs);
  const settledAt = new Map<EnrolledInstance, number>();
  for (const instance of byEnrolment) {
    const vouched = byEnrolment.some((other) => other !== instance && other.vouches !== false && (settledAt.get(other) ?? Infinity) <= instance.enrolledAtMs);
    settledAt.set(instance, vouched ? instance.enrolledAtMs : instance.enrolledAtMs + waitMs);
  }
  return byEnrolment.filter((i) => (settledAt.get(i) as number) > input.nowMs).map((i) => i.ref);
}
