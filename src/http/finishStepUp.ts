import type { Request, Response } from 'express';
import { deriveAssurance, type Assurance } from '../core/assurance/deriveAssurance';
import type { SecondFactorId } from '../core/assurance/types';
import type { GuardInternals } from './GuardInternals';
import { requestContext } from './requestContext';
import { safeReturnTo } from './safeReturnTo';
import { epochOf, raiseFactor, readState, type StepGuardSessionState } from './sessionState';
import { sessionProof } from './sessionProof';
import { trustedDeviceCookie } from './trustedDeviceCookie';
import { recordAlongside } from '../service/recordAlongside';
import { enrolmentAfterStepUp, policyWantedStronger, type EnrolmentOffer } from './enrolmentOffer';

/** A second factor that just succeeded. */
export type CompletedStepUp = {
  factor: SecondFactorId;
  verifiedAtMs: number;
  /** The instance verified (phone hash, factor id); without it the factor is not counted for high-risk actions. */
  ref?: string;
  remember?: boolean;
  /** The action the challenge was bound to (SMS), else the session's pending one. */
  action?: string;
  /** The verify already superseded the session (with the consume) and the session took the new epoch. */
  superseded?: boolean;
};

export type FinishedStepUp = Assurance & {
  factor: SecondFactorId;
  action: string;
  remembered: boolean;
  /** Where the step-up was asked from, checked again on the way out. */
  returnTo?: string;
  /** A stashed form waiting to be re-submitted (see stashedForms). */
  continueId?: string;
  /** Another sign-in method to offer (or a requirement to meet) before going on: see `enrolment`. */
  enrolment?: EnrolmentOffer;
};

/** Not a secret: which factor to offer first next time on this browser. */
export const LAST_FACTOR_COOKIE = 'sg.last-factor';

/**
 * The one way a step-up ends, for stepguard's routes and the Passport strategies alike: the
 * factor (and the instance) recorded with a new session id when the level rose, the risk engine
 * told of the success, `step_up_satisfied` audited, the pending action cleared, and the device
 * remembered when asked for (through the binding rule, so a factor added during the cool-off
 * cannot grant trust).
 */
export async function finishStepUp(internals: GuardInternals, req: Request, res: Response, userId: string, done: CompletedStepUp): Promise<FinishedStepUp> {
  const { config, service } = internals;
  const { factor, verifiedAtMs } = done;
  const state = internals.ensureState(req, userId);
  res.cookie(LAST_FACTOR_COOKIE, factor, { httpOnly: true, sameSite: 'lax', secure: config.http.secureCookies, path: '/', maxAge: 400 * 86_400_000 });
  // Checked again on the way out: a session saved before a fix may hold a value refused today.
  const returnTo = safeReturnTo(state.pending?.returnTo, config.http.allowedReturnOrigins) ?? undefined;
  const continueId = state.pending?.continueId;
  const action = done.action ?? state.pending?.action ?? 'login';
  delete state.pending;
  // The challenge is used up (the verify consumed it): the strategies' path forgets it as the route does.
  if (factor === 'sms') delete state.sms;
  // Read before the success record forgets it: did the policy want more than SMS for this step-up?
  const wantedStronger = policyWantedStronger(internals, action, internals.risk.cachedDecision(req, userId, action));
  // The factor is recorded and, when the level rose, the session regenerated at once; the id
  // from before the level rose ends with the binding's epoch floor (raised by the SMS verify
  // with its consume, else here), so its delete and the risk record ride alongside the answer
  // (recordAlongside.ts, issue 12). Fail closed on the floor (or, for a store without one, the
  // delete) and the audit record: when either fails the request answers 503 and the session must
  // not keep (and express-session must not save) a level nothing recorded, nor leave the id from
  // before the level rose alive behind a success. The regeneration carries this same state
  // object over, so restoring it in place covers both ids.
  const before = { factors: state.factors, refs: state.refs };
  const epochBefore = Math.max(0, epochOf(state));
  try {
    const raised = raiseFactor(req, userId, factor, verifiedAtMs, config.random, done.ref);
    const oldIdEnded = raised.rose ? endOldSession(internals, state, epochBefore, done.superseded === true, raised.oldSessionDeleted) : Promise.resolve();
    void recordAlongside({ metrics: service.metrics, logger: internals.logger }, 'risk_success', internals.risk.recordSuccess(req, userId));
    const outcomes = await Promise.allSettled([oldIdEnded, service.audit({ type: 'step_up_satisfied', outcome: 'success', userId, factor, action, context: requestContext(req) })]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  } catch (err) {
    const now = readState(req, userId) ?? state;
    now.factors = before.factors;
    if (before.refs === undefined) delete now.refs;
    else now.refs = before.refs;
    throw err;
  }
  let remembered = false;
  if (done.remember) {
    const trusted = await service.trustDevice({ userId, label: deviceLabel(req.get('user-agent')), proof: await sessionProof(internals, req, res, userId), context: requestContext(req) });
    if (trusted.ok) {
      trustedDeviceCookie(config).set(res, userId, trusted.device.id, trusted.device.expiresAtMs);
      remembered = true;
    }
  }
  const assurance = deriveAssurance(readState(req, userId)?.factors ?? {});
  const enrolment = await enrolmentAfterStepUp(internals, userId, factor, wantedStronger);
  return { ...assurance, factor, action, remembered, ...(returnTo ? { returnTo } : {}), ...(continueId ? { continueId } : {}), ...(enrolment ? { enrolment } : {}) };
}

/**
 * Ends the session id from before the level rose: the binding's epoch floor rises above the
 * epoch it carried (already done by the verify when `superseded`), so that id, and any copy a
 * request in flight writes back later, is dead whatever the session store holds; deleting it
 * then only frees space. A store without `supersede`: the delete is what ends it (awaited).
 */
async function endOldSession(internals: GuardInternals, state: StepGuardSessionState, epochBefore: number, superseded: boolean, deleted: Promise<void>): Promise<void> {
  // Awaited below, or reported alongside; never an unhandled rejection if the floor fails first.
  deleted.catch(() => undefined);
  if (!superseded) {
    const floor = await internals.service.supersedeSession({ userId: state.userId, bindingId: state.bindingId, epoch: epochBefore });
    if (floor === null) return deleted;
    state.epoch = floor;
  }
  void recordAlongside({ metrics: internals.service.metrics, logger: internals.logger }, 'old_session_delete', deleted);
}

/** A readable device name from the user agent: "Chrome on Linux". */
function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : 'an unknown system';
  return `${browser} on ${os}`;
}
