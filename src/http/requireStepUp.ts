import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SecondFactorId } from '../core/assurance/types';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import { errorBody } from '../errors';
import { assessStepUp, stepUpChallengeHeader } from './assessStepUp';
import type { GuardInternals } from './GuardInternals';
import { requestContext } from './requestContext';
import { sendError, wantsHtml } from './respond';
import { safeReturnTo } from './safeReturnTo';
import { stashGuardedForm } from './stashGuardedForm';
import { refuseForEnrolment } from './refuseForEnrolment';

export type RequireStepUpOptions = {
  /**
   * For actions that bind transactions: the details the step-up must have been issued for,
   * read from the (already validated) request, e.g. `req => ({ amount, payee })`.
   */
  bind?: (req: Request) => TransactionDetails;
  /**
   * Where a browser lands after stepping up. @default the request URL for GET; for a refused
   * form post, a confirmation page that re-submits it (see stashGuardedForm), else none.
   * Given, it replaces that page: the host brings the user back to its own form itself.
   */
  returnTo?: (req: Request) => string | undefined;
};

/** What a guarded handler can read on `req.stepguard`. */
export type StepGuardRequestInfo = {
  userId: string;
  acr: string | undefined;
  amr: string[];
  /** Epoch seconds of each factor's last verification (OIDC `auth_time` per factor). */
  authTimes: Partial<Record<string, number>>;
  action: string;
  satisfiedBy: SecondFactorId | null;
  /** Set when a remembered device, not a fresh factor, let the request through. */
  trustedDevice?: boolean;
};

declare module 'express-serve-static-core' {
  interface Request {
    stepguard?: StepGuardRequestInfo;
  }
}

/**
 * Middleware that lets a request through only when the session holds a second factor that the
 * action accepts under the current risk decision, verified recently enough (and, for bound
 * actions, issued for exactly this transaction, used once). Otherwise: `401` with an RFC
 * 9470-style challenge for API clients, a redirect to the factor page for browsers, `403` when
 * the policy denies. Store failures end in `503`, never in access.
 */
export function createRequireStepUp(internals: GuardInternals, action: string, options: RequireStepUpOptions = {}): RequestHandler {
  const { config } = internals;
  const requirement = config.actions[action];
  if (!requirement) {
    throw new TypeError(
      `requireStepUp('${action}'): unknown action. Known actions: ${Object.keys(config.actions).join(', ')}; add it under policy.actions.`,
    );
  }
  if (requirement.bindTransaction && !options.bind) {
    throw new TypeError(
      `requireStepUp('${action}'): this action binds transactions; pass { bind: req => ({ ...details }) } naming what is approved.`,
    );
  }
  const factorPage = config.http.basePath;
  const toLogin = (returnTo: string | undefined) => `${config.http.loginPath}?returnTo=${encodeURIComponent(returnTo ?? '/')}`;

  return async function requireStepUp(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      // Only refusals need it: kept off the hot path of requests that pass.
      const returnToFor = () => (options.returnTo ? safeReturnTo(options.returnTo(req)) : null) ?? returnToOf(req);
      const userId = config.getUserId(req);
      if (!userId) {
        if (wantsHtml(req)) return res.redirect(303, toLogin(returnToFor()));
        res.status(401).json(errorBody('unauthenticated'));
        return;
      }
      const details = options.bind?.(req);
      const assessment = await assessStepUp(internals, req, res, userId, action, details);
      if (assessment.ok) {
        // A requirement to enrol whose grace period is over refuses even a fresh step-up.
        // Checked here first: without `enrolment.require` a passing request costs no extra await.
        if (config.enrolment.require && (await refuseForEnrolment(internals, req, res, userId))) return;
        req.stepguard = assessment.info;
        return next();
      }
      if (assessment.kind === 'deny') {
        // A waiting recovery: the page says so and links to where it is cancelled.
        if (assessment.code) return void (await sendError(req, res, internals.render, assessment.code, { action, recovery: `${factorPage}/recovery` }));
        res.status(403).json(errorBody('access_denied', { action, reasons: assessment.decision.reasons.map((r) => r.text) }));
        return;
      }
      const returnTo = returnToFor();
      if (assessment.kind === 'unauthenticated') {
        if (wantsHtml(req)) return res.redirect(303, toLogin(returnTo));
        res.status(401).json(errorBody('unauthenticated'));
        return;
      }
      const state = internals.ensureState(req, userId);
      // A browser's refused form is kept to re-submit after the step-up; any older one goes.
      delete state.formStash;
      const stash = wantsHtml(req) && !options.returnTo && req.method !== 'GET' && req.method !== 'HEAD' ? stashGuardedForm(internals, req, state, action, details) : undefined;
      if (stash && !stash.stashed) internals.logger?.info({ event: 'form_not_stashed', action, reason: stash.reason }, 'A refused form will not be re-submitted after the step-up');
      const continueId = stash?.stashed ? stash.continueId : undefined;
      state.pending = { action, ...(returnTo ? { returnTo } : {}), ...(details ? { transaction: details } : {}), ...(continueId ? { continueId } : {}) };
      await internals.service.audit({
        type: 'step_up_required',
        outcome: 'info',
        userId,
        action,
        reasons: [assessment.reason, ...(assessment.decision?.reasons.map((r) => `rule=${r.rule}`) ?? [])],
        context: requestContext(req),
      });
      if (wantsHtml(req)) {
        res.redirect(303, returnTo ? `${factorPage}?returnTo=${encodeURIComponent(returnTo)}` : factorPage);
        return;
      }
      const { requirement: effective } = assessment;
      res
        .status(401)
        .set('WWW-Authenticate', stepUpChallengeHeader(effective))
        .json(
          errorBody('insufficient_user_authentication', {
            action,
            acrValues: [effective.level],
            maxAgeSeconds: effective.maxAgeSeconds,
            acceptableFactors: [...effective.factors],
            reasons: assessment.decision?.reasons.map((r) => r.text) ?? [],
            transactionBound: requirement.bindTransaction,
            methods: `${factorPage}/methods`,
          }),
        );
    } catch (err) {
      next(err);
    }
  };
}

function returnToOf(req: Request): string | undefined {
  return req.method === 'GET' ? (safeReturnTo(req.originalUrl) ?? undefined) : undefined;
}
