import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ForwardAuthRule } from '../config';
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
 * `-Host` and `-Uri` (Traefik); rules map its host and path to an action. Access answers `200`
 * with `Remote-User`, `Remote-Acr`, `Remote-Amr` and `Remote-Auth-Time` for the upstream.
 * Only the proxy should be able to reach this endpoint: it trusts those headers.
 */
export function createForwardAuth(internals: GuardInternals, options: ForwardAuthOptions = {}): RequestHandler {
  const { config } = internals;
  return async function forwardAuth(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      res.set('Cache-Control', 'no-store');
      const mode = options.mode ?? (req.query.mode === 'redirect' ? 'redirect' : 'status');
      const original = originalUrl(req);
      if (!original) {
        res.status(400).json(errorBody('invalid_request', { field: 'X-Original-URL', problem: 'or X-Forwarded-Host and X-Forwarded-Uri must name the original request' }));
        return;
      }
      const action = actionFor(config.forwardAuth.rules, original);
      const returnTo = safeReturnTo(original.href, config.http.allowedReturnOrigins) ?? undefined;
      const page = (path: string) => `${config.appOrigin}${path}${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`;
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
        res
          .status(200)
          .set({
            'Remote-User': info.userId,
            'Remote-Acr': info.acr ?? '',
            'Remote-Amr': info.amr.join(','),
            'Remote-Auth-Time': String(authTimes.length ? Math.max(...authTimes) : ''),
          })
          .end();
        return;
      }
      if (assessment.kind === 'deny') {
        res.status(403).json(errorBody('access_denied', { reasons: assessment.decision.reasons.map((r) => r.text) }));
        return;
      }
      if (assessment.kind === 'unauthenticated') {
        if (mode === 'redirect') return res.redirect(302, page(config.http.loginPath));
        res.status(401).json(errorBody('unauthenticated', { login: page(config.http.loginPath) }));
        return;
      }
      const state = internals.ensureState(req, userId);
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

function originalUrl(req: Request): URL | null {
  const header = req.get('x-original-url');
  let candidate: string | undefined;
  if (header) candidate = header;
  else {
    const host = req.get('x-forwarded-host');
    const uri = req.get('x-forwarded-uri');
    if (host && uri) candidate = `${req.get('x-forwarded-proto') === 'https' ? 'https' : 'http'}://${host}${uri.startsWith('/') ? uri : `/${uri}`}`;
  }
  if (!candidate || candidate.length > 4096) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** The first rule whose host (if any) and path prefix match; `login` when none does. */
export function actionFor(rules: readonly ForwardAuthRule[], url: URL): string {
  for (const rule of rules) {
    if (rule.host && rule.host.toLowerCase() !== url.host.toLowerCase()) continue;
    if (url.pathname.startsWith(rule.pathPrefix)) return rule.action;
  }
  return 'login';
}
