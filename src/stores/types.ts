import type { AuditEvent } from '../core/audit/auditChain';
import type { SmsChannel, SmsDeliveryStatus } from '../sms/types';
import type { FirstFactorThrottleStore } from './FirstFactorThrottleStore';
import type { EnrolmentStore } from './EnrolmentStore';
import type { RecoveryStore } from './RecoveryStore';
import type { StatsStore } from './StatsStore';

/**
 * The ports: everything stepguard keeps goes through one of these interfaces. Each has a
 * memory adapter (the embedded default) and a Redis or MongoDB adapter, and all adapters of a
 * port pass the same contract suite (src/stores/contract/, describeStoreContract: yours can
 * too). Every method that depends on time takes `nowMs` from the caller, so expiry follows the
 * injected clock, not the store's.
 */

/** An SMS challenge as stored. The code exists only as `codeHash`. */
export type SmsChallengeRecord = {
  id: string;
  userId: string;
  /** Random id kept in the session that asked for the code; binds the challenge to it. */
  bindingId: string;
  /** E.164 number the code was sent to. */
  phone: string;
  /**
   * The number's country as the send read it (null: none), so the verify needs no parse of its
   * own (issue 12). Absent in records from before it and from stores that do not keep it: the
   * verify then reads it from the number.
   */
  country?: string | null;
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
      challenge: Pick<SmsChallengeRecord, 'phone' | 'purpose' | 'txHash' | 'country'>;
      attempts: number;
      consecutiveFailures: number;
      /** Set when this very attempt, if wrong, leaves the account locked. */
      lockedUntilMs: number | null;
    }
  | { ok: false; reason: 'not_found' | 'expired' }
  | { ok: false; reason: 'exhausted'; expiresAtMs: number }
  | { ok: false; reason: 'locked'; lockedUntilMs: number };

/**
 * `verifyAttempt`: a reservation (as `reserveAttempt`) that also compared the candidate code
 * hash in constant time and, on a match for a challenge of the expected kind, consumed it (as
 * `consume`). A lost consume race reads `not_found`.
 */
export type VerifyAttemptInput = ReserveAttemptInput & {
  candidateHash: string;
  /** Only a challenge of this purpose (phone proof or not) may be consumed; the caller refuses the other kind. */
  expectPurpose: { phoneBind: boolean; phoneBindPurpose: string };
  /**
   * The match raises the session's level: also supersede the binding's session (as
   * `SessionRevocationStore.supersede`) in the same atomic step, where the store can (Redis: the
   * same user's slot, issue 12). Asked for only when `supersedesFor(sessions)` says the floor it
   * writes is the one the sessions port reads; a store that cannot ignores it and leaves
   * `superseded` out, and the caller supersedes on its own.
   */
  supersede?: { sessionEpoch: number; untilMs: number };
};
export type VerifyAttemptResult =
  | Exclude<ReserveAttemptResult, { ok: true }>
  | (Extract<ReserveAttemptResult, { ok: true }> & {
      matched: boolean;
      /** The binding's new epoch floor, when `supersede` was asked for and done with the match. */
      superseded?: number;
    });

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
   * Deletes a challenge nobody was told about (a send refused after its challenge was stored
   * alongside the budget check), leaving the account's failure count and lock as they are.
   */
  discard(userId: string, challengeId: string): Promise<void>;
  /**
   * `reserveAttempt`, the constant-time comparison and `consume` in one atomic step (one script
   * on Redis, issue 12). Optional: without it the caller reserves, compares and consumes.
   */
  verifyAttempt?(input: VerifyAttemptInput): Promise<VerifyAttemptResult>;
  /**
   * Whether `verifyAttempt`'s `supersede` writes the very epoch floor `sessions` reads (Redis:
   * the same server and keys): only then is it asked for, else the caller supersedes through
   * `sessions` itself. Optional: absent, never asked.
   */
  supersedesFor?(sessions: SessionRevocationStore): boolean;
  /**
   * A resend: swaps in a new code hash and expiry, keeping the attempt count, if the resend
   * wait has passed and no other resend got there first (`expectedSendCount`).
   */
  replaceCode(input: ReplaceCodeInput): Promise<ReplaceCodeResult>;
  /** The account's second-factor lock, if any, at `nowMs`. */
  lockedUntil(userId: string, nowMs: number): Promise<number | null>;
  /** Consecutive second-factor failures on the account (a risk signal). */
  failureCount(userId: string, nowMs: number): Promise<number>;
  /**
   * `failureCount` and `lockedUntil` in one read (one command on Redis, issue 12). Optional:
   * a store without it is asked the two questions separately.
   */
  failureState?(userId: string, nowMs: number): Promise<{ failures: number; lockedUntilMs: number | null }>;
  /**
   * For factors without a challenge (TOTP, backup codes, passkeys): one atomic step that refuses
   * when the account is locked and otherwise counts the attempt as a failure until
   * `clearFailures` says it succeeded, so concurrent guesses cannot exceed the lockout.
   */
  reserveFactorAttempt(userId: string, nowMs: number, lockout: LockoutPolicy): Promise<{ ok: true; lockedUntilMs: number | null } | { ok: false; reason: 'locked'; lockedUntilMs: number }>;
  /** A second factor succeeded: the consecutive-failure count and any lock are cleared. */
  clearFailures(userId: string): Promise<void>;
}

/** `added`: the member is new to the window (a refreshed one was already there). */
export type WindowAdd = { allowed: boolean; added: boolean; count: number; retryAfterMs: number };

/**
 * Sliding windows of distinct members (Redis: a sorted set by time). A budget adds a unique
 * member per send; a distinct-count rule (numbers per prefix, countries per IP) adds the value
 * itself, so repeating a value only refreshes it.
 */
export interface RateLimitStore {
  /**
   * Atomically: drops members older than `windowMs`, then adds `member` unless the window
   * already holds `limit` members (a member already present is refreshed and allowed).
   */
  add(key: string, member: string, limit: number, windowMs: number, nowMs: number): Promise<WindowAdd>;
  /** Takes a member back out (a send refused by a later rule does not spend this budget). */
  remove(key: string, member: string): Promise<void>;
  /**
   * Several windows of one subject (`group`, e.g. a number's budgets over 10 minutes and a day)
   * in one atomic step: each window judged and added exactly as `add` would, in order. One
   * script on Redis (the group is the hash tag), issue 12. Optional: a store without it gets
   * one `add` per window. Windows added here are taken back with `removeFromGroup`.
   */
  addGroup?(group: string, windows: readonly { key: string; limit: number; windowMs: number }[], member: string, nowMs: number): Promise<WindowAdd[]>;
  removeFromGroup?(group: string, key: string, member: string): Promise<void>;
}

/** Bucketed counters over a rolling window, with an atomic cap (the spend caps). */
export interface CounterStore {
  /**
   * Atomically: drops buckets before `fromBucket`, then adds `amount` to `bucket` unless the
   * remaining total plus `amount` would exceed `cap` (0 = no cap). `amount` 0 only reads.
   */
  add(key: string, input: { bucket: number; amount: number; fromBucket: number; cap: number; ttlSeconds: number }): Promise<{ allowed: boolean; total: number }>;
}

/** A country's conversion breaker, as the policy in `sms.pumping.breaker` describes it. */
export type BreakerPolicy = { minSends: number; minConversion: number; windowMs: number; openMs: number; maxOpenMs: number };

export type BreakerAdmit = { open: boolean; openUntilMs: number; level: number; tripped: boolean; sent: number; verified: number };

/**
 * Per-country conversion (sends vs verified codes, in minute buckets over a rolling window)
 * and the breaker it drives. `admit` is one atomic step, so concurrent sends cannot slip past
 * a breaker that is about to open.
 */
export interface BreakerStore {
  /**
   * Atomically: when the breaker is open, says so; otherwise judges the conversion since it
   * last re-opened, opening it (for longer when it trips again soon after) when too low; and
   * otherwise, with `count`, counts this send.
   */
  admit(country: string, policy: BreakerPolicy, nowMs: number, count: boolean): Promise<BreakerAdmit>;
  /** Adds `delta` sends at `atMs` (-1 hands back a send that did not go out). */
  adjustSent(country: string, atMs: number, delta: number, windowMs: number): Promise<void>;
  recordVerified(country: string, atMs: number, windowMs: number): Promise<void>;
}

/** One message handed to a provider, as its receipts will find it. */
export type DeliveryRecord = {
  provider: string;
  providerMessageId: string;
  userId: string;
  challengeId: string | null;
  channel: SmsChannel;
  country: string | null;
  /** The number's line type and its source, for the delivery report's audit event (absent on older records). */
  lineType?: string | null;
  lineTypeSource?: 'carrier_lookup' | 'numbering_plan' | null;
  status: SmsDeliveryStatus;
  sentAtMs: number;
  updatedAtMs: number;
  /** Set by the first receipt that says delivered. */
  deliveredAtMs: number | null;
  errorCode: string | null;
};

export type ApplyReceiptResult = { found: false } | { found: true; changed: boolean; record: DeliveryRecord };

/** Delivery records: written on send, moved forward by receipts, read by the code page. */
export interface DeliveryStore {
  create(record: DeliveryRecord, ttlSeconds: number): Promise<void>;
  /** Moves the status forward only (accepted -> sent -> delivered | undelivered | failed), atomically. */
  applyReceipt(input: { provider: string; providerMessageId: string; status: SmsDeliveryStatus; atMs: number; errorCode?: string }): Promise<ApplyReceiptResult>;
  /** The newest message sent for a challenge. */
  latestForChallenge(userId: string, challengeId: string): Promise<DeliveryRecord | null>;
}

export type ApprovalKey = { userId: string; bindingId: string; action: string; txHash: string };

/** Single-use approvals of one transaction, granted by a bound step-up. */
export interface ApprovalStore {
  grant(key: ApprovalKey, expiresAtMs: number, nowMs: number): Promise<void>;
  /** Atomically uses the approval: exactly one concurrent caller gets `true`. */
  consume(key: ApprovalKey, nowMs: number): Promise<boolean>;
}

/** A user's bound phone number. */
export type PhoneBinding = {
  userId: string;
  e164: string;
  /** Keyed hash of the number: what uniqueness, audit records and rate limits use. */
  phoneHash: string;
  country: string | null;
  /**
   * libphonenumber's line type when the number was bound (null: it could not tell), so a send and
   * the risk policy need no parse (issue 12). Absent in bindings from before it: they parse.
   */
  lineType?: string | null;
  /**
   * The numbering plan (libphonenumber release) that read `lineType` and `country`: under another
   * release they are read again from the number, so a range a newer plan calls VoIP is judged
   * as VoIP (red team, session 9).
   */
  numberingPlan?: string;
  boundAtMs: number;
  /** When this binding replaced an earlier number: the start of the cool-off. */
  changedAtMs: number | null;
};

export type BindPhoneInput = {
  userId: string;
  e164: string;
  phoneHash: string;
  country: string | null;
  lineType?: string | null;
  numberingPlan?: string;
  nowMs: number;
  maxAccountsPerNumber: number;
};

/** The binding a successful bind creates; every adapter states it the same way. */
export function newPhoneBinding(input: BindPhoneInput, replacesAnother: boolean): PhoneBinding {
  return {
    userId: input.userId,
    e164: input.e164,
    phoneHash: input.phoneHash,
    country: input.country,
    ...(input.lineType !== undefined ? { lineType: input.lineType } : {}),
    ...(input.numberingPlan !== undefined ? { numberingPlan: input.numberingPlan } : {}),
    boundAtMs: input.nowMs,
    changedAtMs: replacesAnother ? input.nowMs : null,
  };
}

export type BindPhoneResult =
  | { ok: true; binding: PhoneBinding; previous: PhoneBinding | null }
  | { ok: false; reason: 'number_unavailable' };

/** Phone bindings: at most one active number per user, each number on a limited number of accounts. */
export interface PhoneBindingStore {
  getActive(userId: string): Promise<PhoneBinding | null>;
  /**
   * Makes `e164` the user's number, replacing any other, unless it is already active on
   * `maxAccountsPerNumber` other accounts. Binding the number the user already has changes nothing.
   */
  bind(input: BindPhoneInput): Promise<BindPhoneResult>;
  /** Removes the user's number; returns what was removed. */
  remove(userId: string, nowMs: number): Promise<PhoneBinding | null>;
}

export type FactorType = 'totp' | 'webauthn' | 'backup_codes';

/** A second factor the user enrolled (phone numbers live in PhoneBindingStore). */
export type EnrolledFactor = {
  id: string;
  userId: string;
  type: FactorType;
  label: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
  /** Type-specific data; secrets in it are encrypted by the caller before they get here. */
  data: Record<string, unknown>;
};

export interface FactorStore {
  list(userId: string, type?: FactorType): Promise<EnrolledFactor[]>;
  add(factor: EnrolledFactor): Promise<void>;
  /** Renames or marks use; `false` when the factor is gone. */
  update(userId: string, factorId: string, patch: { label?: string; lastUsedAtMs?: number; data?: Record<string, unknown> }): Promise<boolean>;
  /**
   * Atomically sets `data[field] = next` only if `next` is greater than the stored value (or
   * there is none): a TOTP time step or a WebAuthn counter that can only move forward. `alsoSet`
   * (other `data` fields, e.g. a TOTP clock offset) is written in the same step, and only by the
   * call that moved the field forward.
   */
  advance(userId: string, factorId: string, field: string, next: number, alsoSet?: Record<string, unknown>): Promise<boolean>;
  /** Atomically removes `value` from the list `data[field]`: `true` for exactly one caller. */
  pull(userId: string, factorId: string, field: string, value: string): Promise<boolean>;
  remove(userId: string, factorId: string): Promise<boolean>;
  /** Removes every factor of the user (of one type when given); returns how many. */
  removeAll(userId: string, type?: FactorType): Promise<number>;
}

export type AuditFilter = { userId?: string; sinceMs?: number; untilMs?: number };

/**
 * The audit trail: append-only. There is no update and no delete (retention is the store's
 * own TTL). `insert` refuses a second event with the same (chainId, seq), which is how two
 * concurrent writers are kept from forking a chain.
 */
export interface AuditStore {
  head(chainId: string): Promise<{ seq: number; mac: string; tsMs: number } | null>;
  insert(event: AuditEvent, expireAtMs: number): Promise<'ok' | 'conflict'>;
  /** Matching events ordered by chainId, then seq. */
  list(filter: AuditFilter): AsyncIterable<AuditEvent>;
}

/** Where a user was last seen stepping up, for impossible-travel checks. */
export type SeenLocation = { country: string | null; latitude: number | null; longitude: number | null; atMs: number };

/** What the risk engine remembers per user: devices and countries stepped up from, last location. */
export interface RiskStore {
  isKnownDevice(userId: string, deviceHash: string): Promise<boolean>;
  knownCountries(userId: string): Promise<string[]>;
  lastSeen(userId: string): Promise<SeenLocation | null>;
  /**
   * `knownCountries`, `lastSeen` and (given a device hash) `isKnownDevice` in one read (one
   * script on Redis, issue 12). Optional: a store without it is asked separately.
   */
  snapshot?(userId: string, deviceHash: string | null): Promise<{ countries: string[]; lastSeen: SeenLocation | null; knownDevice: boolean }>;
  /** After a successful second factor: remember the device and where it was. */
  recordSuccess(userId: string, input: { deviceHash: string | null; location: SeenLocation }): Promise<void>;
}

export type TrustedDevice = { id: string; userId: string; label: string; createdAtMs: number; expiresAtMs: number };

/** Devices a user chose to remember after a second factor; they skip low-risk step-ups until they expire. */
export interface TrustedDeviceStore {
  add(device: TrustedDevice, nowMs: number): Promise<void>;
  list(userId: string, nowMs: number): Promise<TrustedDevice[]>;
  isTrusted(userId: string, deviceId: string, nowMs: number): Promise<boolean>;
  revoke(userId: string, deviceId: string): Promise<boolean>;
  revokeAll(userId: string): Promise<number>;
}

/**
 * The account's cool-off after a factor change: while it runs, factors added during it (their
 * refs: a phone hash, a factor id) do not satisfy high-risk actions.
 */
export type CoolOff = { startedAtMs: number; untilMs: number; addedRefs: string[] };

export interface CoolOffStore {
  /**
   * Atomically starts the cool-off, or extends a running one (keeping its start and what was
   * added during it) to at least `untilMs`, remembering `addedRef` when given.
   */
  start(userId: string, input: { nowMs: number; untilMs: number; addedRef?: string }): Promise<CoolOff>;
  /** The running cool-off at `nowMs`, or `null`. */
  get(userId: string, nowMs: number): Promise<CoolOff | null>;
}

/** Whether a session is still valid: its own revocation and the user's session generation. */
export type SessionStatus = {
  revoked: boolean;
  generation: number;
  /**
   * The binding's session epoch floor (`supersede`): a session of this binding whose epoch is
   * below it was replaced by a step-up and is dead. 0 (or absent, a store without `supersede`): none.
   */
  epoch?: number;
};

/**
 * Revocations that in-flight requests cannot undo: they live outside the session, so a request
 * that writes a stale session back after a logout cannot resurrect it.
 */
export interface SessionRevocationStore {
  /** One round trip: is this session (by its binding id) revoked, and the user's generation. */
  status(userId: string, bindingId: string, nowMs: number): Promise<SessionStatus>;
  /** Revokes one session until `untilMs` (at least the session's own lifetime). */
  revoke(userId: string, bindingId: string, untilMs: number, nowMs: number): Promise<void>;
  /**
   * Revokes every session issued before now: returns the new generation, kept until `untilMs`.
   * With `caller`, atomically and only while that session is still live (not revoked, not below
   * the generation): `null` otherwise, so a request already in flight from a session that was
   * just signed out cannot sign everyone else out and adopt the newest generation.
   */
  revokeAll(userId: string, untilMs: number, nowMs: number, caller?: { bindingId: string; generation: number }): Promise<number | null>;
  /**
   * A step-up raised the session of `bindingId` (epoch `sessionEpoch`) under a new id: the
   * binding's epoch floor becomes `max(floor, sessionEpoch + 1)`, kept until `untilMs`, and is
   * returned for the new session to carry. Every copy of the session from before (the old id,
   * or a request in flight that writes it back later) is below the floor and dead, whatever the
   * session store still holds. Atomic (two tabs stepping up at once both end at the floor).
   * Optional: without it the old id's delete is what ends it (awaited, fail closed), and a
   * request in flight can write it back.
   */
  supersede?(userId: string, bindingId: string, sessionEpoch: number, untilMs: number, nowMs: number): Promise<number>;
}

/** The stores a guard runs on. */
export type StepGuardStores = {
  challenges: ChallengeStore;
  rateLimits: RateLimitStore;
  counters: CounterStore;
  breakers: BreakerStore;
  deliveries: DeliveryStore;
  approvals: ApprovalStore;
  risk: RiskStore;
  trustedDevices: TrustedDeviceStore;
  /** Password-guessing throttle per account and per client address. */
  firstFactor: FirstFactorThrottleStore;
  coolOffs: CoolOffStore;
  sessions: SessionRevocationStore;
  /** Self-service recovery of an account that lost every factor. */
  recoveries: RecoveryStore;
  phones: PhoneBindingStore;
  factors: FactorStore;
  /** Nudge answers and enrolment grace periods (durable, beside the factors). */
  enrolment: EnrolmentStore;
  audit: AuditStore;
  /** Counts for the admin overview (best effort: a failed write loses counts, never a request). */
  stats: StatsStore;
  /** Cheap liveness check for /healthz and fail-closed decisions. */
  ping(): Promise<void>;
};

/**
 * A store set given as `stores: { custom }`: every port, except that `stats` may be left out
 * (sets written before the port existed); a MemoryStatsStore then counts this node only.
 */
export type CustomStepGuardStores = Omit<StepGuardStores, 'stats'> & { stats?: StatsStore };
