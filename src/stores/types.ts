/**
 * The ports: everything stepguard keeps goes through one of these interfaces. Each has a
 * memory adapter (the embedded default) and a Redis or MongoDB adapter, and all adapters of a
 * port pass the same contract suite in test/contract/. Every method that depends on time takes
 * `nowMs` from the caller, so expiry follows the injected clock, not the store's.
 */

/** An SMS challenge as stored. The code exists only as `codeHash`. */
export type SmsChallengeRecord = {
  id: string;
  userId: string;
  /** Random id kept in the session that asked for the code; binds the challenge to it. */
  bindingId: string;
  /** E.164 number the code was sent to. */
  phone: string;
  /** The action the step-up is for, e.g. `login` or `transfer`. */
  purpose: string;
  /** Keyed digest of the transaction details when the step-up is bound to one. */
  txHash: string | null;
  codeHash: string;
  createdAtMs: number;
  expiresAtMs: number;
  /** Verification attempts so far, right or wrong; never reset by a resend. */
  attempts: number;
  sendCount: number;
  nextResendAtMs: number;
};

/** Consecutive second-factor failures per account and what they lead to. */
export type LockoutPolicy = {
  /** Failures in a row that lock the second factor for `lockSeconds` (and every multiple). */
  maxConsecutiveFailures: number;
  lockSeconds: number;
  /** Failures in a row after which the lock lasts until a success-free reset (NIST: <= 100). */
  hardLimitFailures: number;
  /** How long the failure count is kept without new failures. */
  failureMemorySeconds: number;
};

export type ReserveAttemptInput = {
  userId: string;
  challengeId: string;
  bindingId: string;
  nowMs: number;
  maxAttempts: number;
  lockout: LockoutPolicy;
};

export type ReplaceCodeInput = {
  userId: string;
  challengeId: string;
  bindingId: string;
  expectedSendCount: number;
  codeHash: string;
  nowMs: number;
  expiresAtMs: number;
  nextResendAtMs: number;
  maxAttempts: number;
};

export type ReserveAttemptResult =
  | {
      ok: true;
      codeHash: string;
      challenge: Pick<SmsChallengeRecord, 'phone' | 'purpose' | 'txHash'>;
      attempts: number;
      consecutiveFailures: number;
      /** Set when this very attempt, if wrong, leaves the account locked. */
      lockedUntilMs: number | null;
    }
  | { ok: false; reason: 'not_found' | 'expired' }
  | { ok: false; reason: 'exhausted'; expiresAtMs: number }
  | { ok: false; reason: 'locked'; lockedUntilMs: number };

export type ReplaceCodeResult =
  | { ok: true }
  | { ok: false; reason: 'not_found' | 'expired' | 'conflict' }
  | { ok: false; reason: 'too_early'; nextResendAtMs: number }
  | { ok: false; reason: 'exhausted'; expiresAtMs: number };

export interface ChallengeStore {
  /** Stores a new challenge; it is kept at most until `expiresAtMs`. */
  create(challenge: SmsChallengeRecord): Promise<void>;
  get(userId: string, challengeId: string, nowMs: number): Promise<SmsChallengeRecord | null>;
  /**
   * One atomic step that counts a verification attempt before the code is compared: refuses
   * when the account is locked or the challenge is missing, foreign to `bindingId`, expired or
   * out of attempts; otherwise counts the attempt against the challenge and the account (as a
   * failure until `consume` proves otherwise) and returns the stored hash. Counting first is
   * what keeps N concurrent guesses from getting more than the allowed tries.
   */
  reserveAttempt(input: ReserveAttemptInput): Promise<ReserveAttemptResult>;
  /**
   * Atomically deletes the challenge and clears the account's failure count and lock. Of any
   * number of concurrent calls for one challenge exactly one returns `true`.
   */
  consume(userId: string, challengeId: string): Promise<boolean>;
  /**
   * A resend: swaps in a new code hash and expiry, keeping the attempt count, if the resend
   * wait has passed and no other resend got there first (`expectedSendCount`).
   */
  replaceCode(input: ReplaceCodeInput): Promise<ReplaceCodeResult>;
  /** The account's second-factor lock, if any, at `nowMs`. */
  lockedUntil(userId: string, nowMs: number): Promise<number | null>;
}

export type RateLimitHit = { allowed: boolean; count: number; retryAfterSeconds: number };

export interface RateLimitStore {
  /** Counts one event for `key` in the fixed window of `windowSeconds` containing `nowMs`. */
  hit(key: string, limit: number, windowSeconds: number, nowMs: number): Promise<RateLimitHit>;
}

export type ApprovalKey = { userId: string; bindingId: string; action: string; txHash: string };

/** Single-use approvals of one transaction, granted by a bound step-up. */
export interface ApprovalStore {
  grant(key: ApprovalKey, expiresAtMs: number, nowMs: number): Promise<void>;
  /** Atomically uses the approval: exactly one concurrent caller gets `true`. */
  consume(key: ApprovalKey, nowMs: number): Promise<boolean>;
}

/** Where a user's bound phone number is kept (the full binding flow builds on this port). */
export interface PhoneBindingStore {
  getPhone(userId: string): Promise<string | null>;
  setPhone(userId: string, e164: string, nowMs: number): Promise<void>;
}

/** The stores a guard runs on. */
export type StepGuardStores = {
  challenges: ChallengeStore;
  rateLimits: RateLimitStore;
  approvals: ApprovalStore;
  phones: PhoneBindingStore;
  /** Cheap liveness check for /healthz and fail-closed decisions. */
  ping(): Promise<void>;
};
