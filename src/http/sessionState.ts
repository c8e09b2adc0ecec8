import type {} from 'express-session';
import type { Request } from 'express';
import type { AssuranceLevel, FactorId, FactorRefs, FactorTimes } from '../core/assurance/types';
import { deriveAssurance, levelSatisfies } from '../core/assurance/deriveAssurance';
import { newRandomId, type RandomSource } from '../core/random';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import type { SealedFormStash } from '../core/forms/types';
import type { TotpPendingResync } from '../core/totp/matchTotpWithDrift';

/** What stepguard keeps in the host app's session (express-session). */
export type StepGuardSessionState = {
  /** The user these factor times belong to; a different signed-in user starts from nothing. */
  userId: string;
  /** Random id that binds challenges and approvals to this session; survives id regeneration. */
  bindingId: string;
  factors: FactorTimes;
  /** Which enrolled instance each second factor was verified with (phone hash, factor id). */
  refs?: FactorRefs;
  /**
   * The user's session generation this session was issued under; "sign out everywhere" and
   * factor removal raise the user's, and a session below it is dead (see service/sessions.ts).
   */
  generation?: number;
  /**
   * Raised by each step-up that replaced this session under a new id (the binding's epoch floor,
   * SessionRevocationStore.supersede): a copy of the session from before, below the floor, is
   * dead wherever it turns up (the old id, or written back by a request in flight). Absent: 0.
   */
  epoch?: number;
  /** The SMS challenge this session is waiting on. */
  sms?: { challengeId: string; action: string; expiresAtMs: number; resendAvailableAtMs: number; maskedPhone: string; channel?: 'sms' | 'voice' | 'whatsapp' };
  /** A TOTP secret (sealed) waiting for its first code; with the first code of a phone whose clock is off, waiting for the next. */
  totpSetup?: { sealedSecret: string; startedAtMs: number; pendingResync?: TotpPendingResync };
  /** A new number waiting for its code. */
  phone?: { challengeId: string; expiresAtMs: number; resendAvailableAtMs: number; maskedPhone: string };
  /**
   * Cached risk evaluations per action (the signals and enrolled factors the decision comes
   * from), valid for the IP and the exact device cookie they were made with, as one short
   * string (see risk/riskDecisionCache.ts, RiskEngine.decide and recordSuccess). A session from
   * before issue 12 may still hold the older object here: it reads as no cache.
   */
  risk?: string;
  /** The step-up the session was last asked for, set by requireStepUp when it refused. */
  pending?: {
    action: string;
    returnTo?: string;
    transaction?: TransactionDetails;
    /** A stashed form to re-submit after the step-up. */
    continueId?: string;
    /** A level the step-up must reach above the action's own (an OpenID Connect client asked for `aal2-phr`). */
    level?: AssuranceLevel;
  };
  /**
   * The one guarded form refused for a step-up, sealed (AES-256-GCM, bound to this user, session
   * binding and action), to re-submit after it from `<basePath>/continue/<id>`; a newer refusal
   * replaces it, showing its page removes it (see stashGuardedForm.ts, continueRoutes.ts).
   */
  formStash?: SealedFormStash;
};

declare module 'express-session' {
  interface SessionData {
    stepguard?: StepGuardSessionState;
  }
}

/**
 * The session's epoch as stepguard writes it (a non-negative integer; absent: 0). Anything else
 * (a record stepguard did not write as it is) reads as -1, below every floor: never as live by
 * accident (NaN compares false both ways).
 */
export function epochOf(state: { epoch?: unknown } | undefined): number {
  const epoch = state?.epoch;
  if (epoch === undefined) return 0;
  return typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : -1;
}

/** The session's state for `userId`, or `undefined` when it has none for that user. */
export function readState(req: Request, userId: string): StepGuardSessionState | undefined {
  const state = req.session?.stepguard;
  return state && state.userId === userId ? state : undefined;
}

/** The session's state for `userId`, created (with a fresh binding id) when missing or foreign. */
export function ensureState(req: Request, userId: string, random: RandomSource): StepGuardSessionState {
  if (!req.session) throw new Error('stepguard needs express-session (req.session is missing): mount it before stepguard');
  const existing = readState(req, userId);
  if (existing) return existing;
  const state: StepGuardSessionState = { userId, bindingId: newRandomId(random), factors: {} };
  req.session.stepguard = state;
  return state;
}

/**
 * Records that `factor` was verified now. When that raises the session's assurance level the
 * session id is regenerated (the data carried over), so an id fixed or observed before the
 * step-up is worthless after it.
 */
export async function recordFactor(req: Request, userId: string, factor: FactorId, nowMs: number, random: RandomSource, ref?: string): Promise<void> {
  await raiseFactor(req, userId, factor, nowMs, random, ref).oldSessionDeleted;
}

/**
 * `recordFactor` without waiting: the factor is recorded and, when the level rose, the session
 * regenerated at once; `oldSessionDeleted` settles with the old id's delete (resolved when the
 * level did not rise). finishStepUp decides whether that delete is what ends the old id.
 */
export function raiseFactor(
  req: Request,
  userId: string,
  factor: FactorId,
  nowMs: number,
  random: RandomSource,
  ref?: string,
): { rose: boolean; oldSessionDeleted: Promise<void> } {
  const state = ensureState(req, userId, random);
  const rose = raisesLevel(state.factors, factor, nowMs);
  state.factors = { ...state.factors, [factor]: nowMs };
  if (factor !== 'pwd') {
    // A factor recorded without its instance keeps no stale ref from an earlier verification.
    const { [factor]: _previous, ...others } = state.refs ?? {};
    state.refs = ref ? { ...others, [factor]: ref } : others;
  }
  return { rose, oldSessionDeleted: rose ? regenerateSession(req) : Promise.resolve() };
}

/** Whether recording `factor` at `atMs` raises the level these factor times give (pure). */
export function raisesLevel(factors: FactorTimes, factor: FactorId, atMs: number): boolean {
  const before = deriveAssurance(factors).acr;
  const after = deriveAssurance({ ...factors, [factor]: atMs }).acr;
  return after !== undefined && (before === undefined || (levelSatisfies(after, before) && after !== before));
}

/** Forgets second factors whose instance is gone (after a removal): they prove nothing any more. */
export function forgetFactors(state: StepGuardSessionState, keep: (factor: FactorId, ref: string | undefined) => boolean): void {
  const factors: FactorTimes = {};
  for (const [factor, at] of Object.entries(state.factors) as [FactorId, number][]) {
    if (factor === 'pwd' || keep(factor, state.refs?.[factor as keyof FactorRefs])) factors[factor] = at;
  }
  state.factors = factors;
}

/**
 * After the user's other sessions were revoked (sign out everywhere, a factor removed): this
 * session takes the new generation under a new id, so a copy of its cookie (the stolen one)
 * dies with the others, and its CSRF token rotates.
 */
export async function reissueSession(req: Request, userId: string, generation: number, random: RandomSource): Promise<void> {
  ensureState(req, userId, random).generation = generation;
  await regenerateSession(req);
}

/** Where the CSRF module keeps the session's CSRF secret (see csrf.ts); dropped on regeneration. */
export const SESSION_CSRF_KEY = 'stepguardCsrf';

/**
 * Regenerates the session id, keeping every value the session held but the CSRF secret. The old
 * session's delete is sent at once and the new session made without waiting for its answer, so
 * whatever the caller starts next (the risk record of a step-up) rides in the same round trip
 * (issue 12); the promise settles with the delete's answer. Callers wait for it before they
 * answer: a delete that failed fails the request (fail closed), never leaves the id from before
 * a raised level alive behind a success. express-session saves the new session once, at the
 * end of the request, not here and again there.
 */
export function regenerateSession(req: Request): Promise<void> {
  const session = req.session;
  const store = req.sessionStore;
  const carried: Record<string, unknown> = {};
  // The CSRF secret is not carried: a token seen before the level rose must not work after it.
  for (const [key, value] of Object.entries(session)) if (key !== 'cookie' && key !== SESSION_CSRF_KEY) carried[key] = value;
  const destroyed = new Promise<void>((resolve, reject) => store.destroy(req.sessionID, (err?: unknown) => (err ? reject(err) : resolve())));
  store.generate(req);
  Object.assign(req.session, carried);
  return destroyed;
}
