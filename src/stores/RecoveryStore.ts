/**
 * Self-service recovery's port: at most one recovery per account, whose every move (start,
 * reminder, cancel, complete, an operator's shortening) is one atomic step on the account's own
 * record. Memory and Redis adapters pass the same contract
 * (src/stores/contract/recoveryStoreContract.ts).
 */

export type RecoveryStatus = 'pending' | 'cancelled' | 'completed';

/** A recovery as stored. Times are epoch milliseconds from the injected clock. */
export type Recovery = {
  id: string;
  userId: string;
  status: RecoveryStatus;
  startedAtMs: number;
  /** The earliest time it may complete: never earlier than `leadMs` after the reminder went out. */
  completesAtMs: number;
  /** When the reminder ("completes soon") becomes due. */
  remindAtMs: number;
  /** When the reminder was claimed (and sent); `null` until then. A recovery never completes before it. */
  remindedAtMs: number | null;
  /** When it was cancelled or completed, and by whom (`user`, `admin:<name>`). */
  endedAtMs: number | null;
  endedBy: string | null;
  /** The wait was made longer because the request came from a new device or country. */
  riskExtended: boolean;
};

export type StartRecoveryInput = {
  userId: string;
  id: string;
  nowMs: number;
  completesAtMs: number;
  remindAtMs: number;
  riskExtended: boolean;
  /** How long the record is kept after it ends (or after `completesAtMs` if it never does). */
  keepMs: number;
};

export type EndRecoveryResult =
  | { ok: true; recovery: Recovery }
  | { ok: false; reason: 'no_recovery' }
  | { ok: false; reason: 'recovery_not_ready'; recovery: Recovery };

export interface RecoveryStore {
  /**
   * Atomically starts a recovery, unless one is pending: then that one comes back unchanged
   * (`started: false`), so a second start can neither shorten nor restart the wait. An ended
   * recovery is replaced.
   */
  start(input: StartRecoveryInput): Promise<{ started: boolean; recovery: Recovery }>;
  /** The account's recovery (pending, or ended and still kept), or `null`. */
  get(userId: string, nowMs: number): Promise<Recovery | null>;
  /**
   * Atomically claims the reminder of a pending recovery whose `remindAtMs` has come and whose
   * reminder was not claimed yet: exactly one caller gets the recovery back, with `remindedAtMs`
   * set and `completesAtMs` moved to at least `nowMs + leadMs` (a reminder sent late still
   * leaves the owner `leadMs` to cancel). Everyone else gets `null`.
   */
  claimReminder(userId: string, input: { nowMs: number; leadMs: number }): Promise<Recovery | null>;
  /**
   * Hands back a claimed reminder that reached no channel: if the pending recovery `id` still
   * carries the claim made at `remindedAtMs`, the claim is cleared (the reminder is due again and
   * the recovery cannot complete before a later claim); `completesAtMs` stays where the claim
   * moved it. Returns whether it did.
   */
  releaseReminder(userId: string, input: { nowMs: number; id: string; remindedAtMs: number }): Promise<boolean>;
  /** Atomically ends the pending recovery as cancelled. Of a cancel and a complete at once, exactly one wins. */
  cancel(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult>;
  /**
   * Atomically ends the pending recovery as completed, only once its reminder went out and
   * `completesAtMs` has come (`recovery_not_ready` otherwise, with the recovery).
   */
  complete(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult>;
  /**
   * An operator moves the pending recovery's end earlier, to `completesAtMs` at the latest; never
   * later. Once the reminder went out the end stays at least `leadMs` after it; before, the
   * reminder becomes due now (and its claim keeps `leadMs` after it).
   */
  shorten(userId: string, input: { nowMs: number; completesAtMs: number; leadMs: number }): Promise<EndRecoveryResult>;
  /**
   * Accounts whose pending recovery's reminder is due at `nowMs`, at most `limit` of them: a hint
   * for the sweep (runDueRecoveryNotices), which claims each reminder atomically.
   */
  due(nowMs: number, limit: number): Promise<string[]>;
}
