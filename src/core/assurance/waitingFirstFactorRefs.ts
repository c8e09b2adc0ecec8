/** A second factor of the account with when it was enrolled (phone: when the number was first bound). */
export type EnrolledInstance = { ref: string; enrolledAtMs: number };

/**
 * The refs of factors that were enrolled while the account had no other second factor — with
 * the password alone, as the binding rule allows for a first factor — and whose wait has not
 * run out. Such a factor proves no more than the password did when it was bound (whoever knew
 * the password could bind it), so where a factor must add to the password (the admin console)
 * it counts only `waitSeconds` after it was enrolled: time for the owner to see the factor-added
 * alert and react. A factor enrolled while another existed was bound with that one's step-up
 * and is the account cool-off's business (DESIGN.md §5), not this rule's.
 * "No other" is judged on what the account has now: no instance enrolled strictly before it.
 */
export function waitingFirstFactorRefs(instances: readonly EnrolledInstance[], input: { nowMs: number; waitSeconds: number }): string[] {
  if (input.waitSeconds <= 0) return [];
  const firstAtMs = Math.min(...instances.map((i) => i.enrolledAtMs));
  return instances.filter((i) => i.enrolledAtMs <= firstAtMs && i.enrolledAtMs + input.waitSeconds * 1000 > input.nowMs).map((i) => i.ref);
}
