const HOUR_MS = 3_600_000;

export type RecoveryPolicy = { waitHours: number; riskWaitMultiplier: number; remindBeforeHours: number };

/** What the risk engine saw on the request that asks for recovery. */
export type RecoveryRiskSignals = { newDevice?: boolean; newCountry?: boolean };

export type RecoveryPlan = { completesAtMs: number; remindAtMs: number; riskExtended: boolean; waitMs: number };

/**
 * When a recovery asked for at `nowMs` may complete and when its reminder is due. A request from
 * a device that never passed a second factor here, or from a country the account was never seen
 * in, waits `riskWaitMultiplier` times longer: that is where an attacker who only has the
 * password comes from, and the owner gets more time to notice.
 */
export function planRecovery(policy: RecoveryPolicy, signals: RecoveryRiskSignals, nowMs: number): RecoveryPlan {
  const riskExtended = Boolean(signals.newDevice || signals.newCountry) && policy.riskWaitMultiplier > 1;
  const waitMs = Math.round(policy.waitHours * HOUR_MS * (riskExtended ? policy.riskWaitMultiplier : 1));
  const completesAtMs = nowMs + waitMs;
  return { completesAtMs, remindAtMs: Math.max(nowMs, completesAtMs - policy.remindBeforeHours * HOUR_MS), riskExtended, waitMs };
}
