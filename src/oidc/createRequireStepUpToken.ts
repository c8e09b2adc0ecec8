import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { levelSatisfies } from '../core/assurance/deriveAssurance';
import type { AssuranceLevel } from '../core/assurance/types';
import { levelOfAcr, type AcrAliases } from '../core/oidc/acrLevels';
import type { Clock } from '../core/clock';
import { errorBody } from '../errors';
import type { OidcProviderInstance } from './oidcProviderTypes';

export type RequireStepUpTokenOptions = {
  /** The level the access token's authentication must have reached. */
  level: AssuranceLevel;
  /** How long ago that authentication (`auth_time`) may have been. @default no limit */
  maxAgeSeconds?: number;
};

/** What a route behind `requireStepUpToken` reads on `req.oidcToken`. */
export type OidcTokenInfo = { accountId: string; clientId: string | undefined; scope: string | undefined; acr: string; amr: string[]; authTimeSeconds: number | undefined };

declare module 'express-serve-static-core' {
  interface Request {
    oidcToken?: OidcTokenInfo;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]{1,2048}=*)$/i;

/**
 * A resource server route in the provider's own process (RFC 9470): the request's Bearer access
 * token must be one this provider issued, still valid, from an authentication at `level` or
 * above and no older than `maxAgeSeconds`. Otherwise `401` with `WWW-Authenticate: Bearer
 * error="insufficient_user_authentication", acr_values="…", max_age="…"`, which tells the
 * client to come back through the authorization endpoint with those values (RFC 9470 §3).
 */
export function createRequireStepUpToken(provider: OidcProviderInstance, options: RequireStepUpTokenOptions, context: { aliases: AcrAliases; clock: Clock }): RequestHandler {
  const { level, maxAgeSeconds } = options;
  const challenge = [
    'Bearer error="insufficient_user_authentication"',
    'error_description="A different authentication level is required"',
    `acr_values="${level}"`,
    ...(maxAgeSeconds !== undefined ? [`max_age="${maxAgeSeconds}"`] : []),
  ].join(', ');

  return async function requireStepUpToken(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const match = BEARER.exec(req.get('authorization') ?? '');
      if (!match) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json(errorBody('unauthenticated'));
        return;
      }
      const token = await provider.AccessToken.find(match[1] as string);
      if (!token || token.isExpired || typeof token.accountId !== 'string') {
        res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json(errorBody('unauthenticated'));
        return;
      }
      const extra = token.extra ?? {};
      const acr = typeof extra.acr === 'string' ? extra.acr : '';
      const authTimeSeconds = typeof extra.auth_time === 'number' ? extra.auth_time : undefined;
      const tooOld = maxAgeSeconds !== undefined && (authTimeSeconds === undefined || context.clock.nowMs() / 1000 - authTimeSeconds > maxAgeSeconds);
      if (!levelSatisfies(levelOfAcr(acr, context.aliases), level) || tooOld) {
        res
          .status(401)
          .set('WWW-Authenticate', challenge)
          .json(errorBody('insufficient_user_authentication', { acrValues: [level], ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) }));
        return;
      }
      req.oidcToken = {
        accountId: token.accountId,
        clientId: token.clientId,
        scope: token.scope,
        acr,
        amr: Array.isArray(extra.amr) ? extra.amr.filter((v): v is string => typeof v === 'string') : [],
        authTimeSeconds,
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}
