import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { canonicalForwardedRequest } from '../core/forward/canonicalForwardedRequest';
import { forwardAuthActionFor } from '../core/forward/forwardAuthActionFor';
import { identityHeaders } from '../core/forward/identityHeaders';
import { errorBody } from '../errors';
import { assessStepUp, stepUpChallengeHeader } from './assessStepUp';
import type { GuardInternals } from './GuardInternals';
import { requestContext } from './requestContext';
import { safeReturnTo } from './safeReturnTo';

export type ForwardAuthOptions = {
  /**
   * `status`: answer 401 with the challenge (nginx `auth_request`, which cannot pass a redirect).
   * `redirect`: answer 302 to the login or factor page (Traefik `forwardAuth`, browsers).
   * @default `?mode=redirect` on the request selects redirect, otherwise status
   */
  mode?: 'status' | 'redirect';
};

/**
 * The SSO-gateway check: the proxy asks, for each request it forwards, whether the session may
 * see that URL. The original URL comes from `X-Original-URL` (nginx) or `X-Forwarded-Proto`,
 * `-Host` and `-Uri` (Traefik), read through `canonicalForwardedRequest` (one spelling per host
 * and path; anything unreadable or conflicting is `400`, never a weaker rule); rules map its
 * host and path to an action. Access answers `200`
 * with `Remote-User` (the username from `getIdentity`, else the id), `Remote-Email`,
 * `Remote-Name`, `Remote-Groups`, `Remote-Acr`, `Remote-Amr` and `Remote-Auth-Time` for the upstream.
 * Only the proxy should be able to reach this endpoint: it trusts those headers.
 */
export function createForwardAuth(internals: GuardInternals, options: ForwardAuthOptions = {}): RequestHandler {
  const { config } = internals;
  return async function forwardAuth(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      res.set('Cache-Control', 'no-store');
      const mode = options.mode ?? (req.query.mode === 'redirect' ? 'redirect' : 'status');
      const read = canonicalForwardedRequest(req.headersDistinct);
      if (!read.ok) {
        res.status(400).json(errorBody('invalid_request', { field: read.field, problem: read.problem }));
        return;
      }
      const original = read.request;
      const action = forwardAuthActionFor(config.forwardAuth.rules, original, config.forwardAuth);
      // Only refusals name a page to come back to: kept off the path of requests that pass (issue 12).
      const returnToOf = () => safeReturnTo(original.href, config.http.allowedReturnOrigins) ?? undefined;
      const page = (path: string) => {
        const returnTo = returnToOf();
        return `${config.appOrigin}${path}${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`;
      };
      const userId = config.getUserId(req);
      if (!userId) {
        if (mode === 'redirect') return res.redirect(302, page(config.http.loginPath));
        res.status(401).set('WWW-Authenticate', 'Bearer realm="stepguard"').json(errorBody('unauthenticated', { login: page(config.http.loginPath) }));
        return;
      }
      const assessment = await assessStepUp(internals, req, res, userId, action);
      if (assessment.ok) {
        const { info } = assessment;
        const authTimes = Object.values(info.authTimes).filter((t): t is number => typeof t === 'number');
        const identity = await config.getIdentity?.(userId);
        res
          .status(200)
          .set({
            ...identityHeaders(userId, identity, config.forwardAuth.identityHeaders),
            'Remote-Acr': info.acr ?? '',
            'Remote-Amr': info.amr.join(','),
            'Remote-Auth-Time': String(authTimes.length ? Math.max(...authTimes) : ''),
          })
          .end();
        return;
      }
      if (assessment.kind === 'deny') {
        res.status(403).json(errorBody(assessment.code ?? 'access_denied', { reasons: assessment.decision.reasons.map((r) => r.text) }));
        return;
      }
      if (assessment.kind === 'unauthenticated') {
        if (mode === 'redirect') return res.redirect(302, page(config.http.loginPath));
        res.status(401).json(errorBody('unauthenticated', { login: page(config.http.loginPath) }));
        return;
      }
      const state = internals.ensureState(req, userId);
      const returnTo = returnToOf();
      state.pending = { action, ...(returnTo ? { returnTo } : {}) };
      await internals.service.audit({ type: 'step_up_required', outcome: 'info', userId, action, reasons: [assessment.reason, 'forward_auth'], context: requestContext(req) });
      if (mode === 'redirect') return res.redirect(302, page(config.http.basePath));
      res
        .status(401)
        .set('WWW-Authenticate', stepUpChallengeHeader(assessment.requirement))
        .json(
          errorBody('insufficient_user_authentication', {
            action,
            acrValues: [assessment.requirement.level],
            maxAgeSeconds: assessment.requirement.maxAgeSeconds,
            acceptableFactors: [...assessment.requirement.factors],
            reasons: assessment.decision?.reasons.map((r) => r.text) ?? [],
            stepUp: page(config.http.basePath),
          }),
        );
    } catch (err) {
      next(err);
    }
  };
}
