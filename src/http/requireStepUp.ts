import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { deriveAssurance } from '../core/assurance/deriveAssurance';
import { evaluateStepUp } from '../core/assurance/evaluateStepUp';
import type { SecondFactorId } from '../core/assurance/types';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import { errorBody } from '../errors';
import type { GuardInternals } from './GuardInternals';
import { requestContext } from './requestContext';
import { wantsHtml } from './respond';
import { safeReturnTo } from './safeReturnTo';
import { readState, type StepGuardSessionState } from './sessionState';

export type RequireStepUpOptions = {
  /**
   * For actions that bind transactions: the details the step-up must have been issued for,
   * read from the (already validated) request, e.g. `req => ({ amount, payee })`.
   */
  bind?: (req: Request) => TransactionDetails;
  /** Where a browser lands after stepping up. @default the request URL for GET, else none */
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
};

declare module 'express-serve-static-core' {
  interface Request {
    stepguard?: StepGuardRequestInfo;
  }
}

/**
 * Middleware that lets a request through only when the session holds a second factor that the
 * action accepts, verified recently enough for it (and, for bound actions, issued for exactly
 * this transaction, used once). Otherwise: `401` with an RFC 9470-style challenge for API
 * clients, a redirect to the factor page for browsers. Store failures end in `503`, never in access.
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
  const withoutSms = { ...requirement, factors: requirement.factors.filter((f) => f !== 'sms') };

  return async function requireStepUp(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const userId = config.getUserId(req);
      if (!userId) {
        if (wantsHtml(req)) return res.redirect(303, `${config.http.loginPath}?returnTo=${encodeURIComponent(returnToOf(req) ?? '/')}`);
        res.status(401).json(errorBody('unauthenticated'));
        return;
      }
      const state = readState(req, userId);
      const factors = state?.factors ?? {};
      const nowMs = config.clock.nowMs();
      let evaluation = evaluateStepUp(requirement, factors, nowMs);
      // After a number change, SMS to the new number cannot approve high-risk actions for a while.
      if (evaluation.ok && evaluation.satisfiedBy === 'sms' && requirement.highRisk && (await internals.service.phoneInCoolOff(userId))) {
        evaluation = evaluateStepUp(withoutSms, factors, nowMs);
      }
      const details = options.bind?.(req);
      let satisfied = evaluation.ok;
      if (evaluation.ok && details && state) {
        satisfied = await internals.service.consumeTransactionApproval({ userId, bindingId: state.bindingId, action, details });
      } else if (details && !state) {
        satisfied = false;
      }
      if (satisfied && evaluation.ok) {
        const assurance = deriveAssurance(factors);
        req.stepguard = {
          userId,
          acr: assurance.acr,
          amr: assurance.amr,
          authTimes: Object.fromEntries(Object.entries(factors).map(([f, ms]) => [f, Math.floor((ms as number) / 1000)])),
          action,
          satisfiedBy: evaluation.satisfiedBy,
        };
        return next();
      }

      const returnTo = (options.returnTo ? safeReturnTo(options.returnTo(req)) : null) ?? returnToOf(req);
      if (state || req.session) {
        const target: StepGuardSessionState | undefined = state ?? internals.ensureState(req, userId);
        target.pending = { action, ...(returnTo ? { returnTo } : {}), ...(details ? { transaction: details } : {}) };
      }
      const acceptableFactors = evaluation.ok ? [...requirement.factors] : evaluation.acceptableFactors;
      if (evaluation.ok === false && evaluation.reason === 'no_first_factor') {
        if (wantsHtml(req)) return res.redirect(303, `${config.http.loginPath}?returnTo=${encodeURIComponent(returnTo ?? '/')}`);
        res.status(401).json(errorBody('unauthenticated'));
        return;
      }
      await internals.service.audit({
        type: 'step_up_required',
        outcome: 'info',
        userId,
        action,
        reasons: [evaluation.ok ? 'transaction_not_approved' : evaluation.reason],
        context: requestContext(req),
      });
      if (wantsHtml(req)) {
        res.redirect(303, returnTo ? `${factorPage}?returnTo=${encodeURIComponent(returnTo)}` : factorPage);
        return;
      }
      res
        .status(401)
        .set(
          'WWW-Authenticate',
          `Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", ` +
            `acr_values="${requirement.level}", max_age=${requirement.maxAgeSeconds}`,
        )
        .json(
          errorBody('insufficient_user_authentication', {
            action,
            acrValues: [requirement.level],
            maxAgeSeconds: requirement.maxAgeSeconds,
            acceptableFactors,
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
