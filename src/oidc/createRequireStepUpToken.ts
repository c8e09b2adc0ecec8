import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { levelSatisfies } from '../core/assurance/deriveAssurance';
import type { AssuranceLevel } from '../core/assurance/types';
import { levelOfAcr, type AcrAliases } from '../core/oidc/acrLevels';
import type { Clock } from '../core/clock';
import { errorBody } from '../errors';
import { StepGuardConfigError } from '../errors';
import { BINDING_CLAIM, GENERATION_CLAIM } from './grantSessionBinding';
import type { OidcAccessToken, OidcProviderInstance } from './oidcProviderTypes';

export type RequireStepUpTokenOptions = {
  /** The level the access token's authentication must have reached. */
  level: AssuranceLevel;
  /** How long ago that authentication (`auth_time`) may have been. @default no limit */
  maxAgeSeconds?: number;
  /**
   * The resource indicator(s) this route serves: a token must have been issued for one of them
   * (its `aud`). @default only tokens without an audience, i.e. for this provider itself
   */
  audience?: string | readonly string[];
  /** Client ids whose tokens this route accepts. @default any client of this provider */
  clients?: readonly string[];
};

/** What requireStepUpToken asks stepguard: whether the session a token was issued from still lives. */
export type SessionLiveness = { isSessionLive(input: { userId: string; bindingId: string; generation: number }): Promise<boolean> };

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
 * token must be one this provider issued, still valid, for this route's `audience` and one of
 * its `clients`, from a stepguard session that is still live (not logged out, not under a "sign
 * out everywhere" or a factor removal), not sender-constrained (a DPoP or mTLS bound token needs
 * its proof checked, which this Bearer check does not do: it is refused), from an authentication
 * at `level` or above and no older than `maxAgeSeconds`. A token that fails any of these but the
 * last two gets `401` with `WWW-Authenticate: Bearer error="invalid_token"`; a weak or stale one
 * gets `error="insufficient_user_authentication", acr_values="…", max_age="…"`, which tells the
 * client to come back through the authorization endpoint with those values (RFC 9470 §3).
 */
export function createRequireStepUpToken(
  provider: OidcProviderInstance,
  options: RequireStepUpTokenOptions,
  context: { aliases: AcrAliases; clock: Clock; sessions?: SessionLiveness },
): RequestHandler {
  const { level, maxAgeSeconds } = options;
  const audiences = options.audience === undefined ? undefined : typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audiences && (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a.length === 0))) {
    throw new StepGuardConfigError('requireStepUpToken: audience: must be a resource indicator (e.g. "https://api.example.com") or a non-empty list of them.');
  }
  if (options.clients !== undefined && (!Array.isArray(options.clients) || options.clients.length === 0 || options.clients.some((c) => typeof c !== 'string' || c.length === 0))) {
    throw new StepGuardConfigError('requireStepUpToken: clients: must be a non-empty list of client ids; leave it out to accept every client.');
  }
  const challenge = [
    'Bearer error="insufficient_user_authentication"',
    'error_description="A different authentication level is required"',
    `acr_values="${level}"`,
    ...(maxAgeSeconds !== undefined ? [`max_age="${maxAgeSeconds}"`] : []),
  ].join(', ');

  /** Whether the token was issued for this route: its audience and client (a token without `aud` is for this provider itself). */
  const meantForUs = (token: OidcAccessToken): boolean => {
    const aud = token.aud === undefined ? [] : Array.isArray(token.aud) ? token.aud : [token.aud];
    const audienceOk = audiences ? aud.some((a) => audiences.includes(a)) : aud.length === 0;
    const clientOk = options.clients === undefined || (typeof token.clientId === 'string' && options.clients.includes(token.clientId));
    return audienceOk && clientOk;
  };

  return async function requireStepUpToken(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const match = BEARER.exec(req.get('authorization') ?? '');
      if (!match) {
        res.status(401).set('WWW-Authenticate', 'Bearer').json(errorBody('unauthenticated'));
        return;
      }
      const invalid = () => void res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json(errorBody('unauthenticated'));
      const token = await provider.AccessToken.find(match[1] as string);
      if (!token || token.isExpired || typeof token.accountId !== 'string') return invalid();
      // A sender-constrained token used as a plain Bearer token: its proof was never checked here.
      if (token.jkt !== undefined || token['x5t#S256'] !== undefined) return invalid();
      if (!meantForUs(token)) return invalid();
      const extra = token.extra ?? {};
      const bindingId = extra[BINDING_CLAIM];
      const generation = extra[GENERATION_CLAIM];
      // A token that names no stepguard session cannot be checked against a revocation: refused.
      if (typeof bindingId !== 'string' || typeof generation !== 'number' || !context.sessions) return invalid();
      if (!(await context.sessions.isSessionLive({ userId: token.accountId, bindingId, generation }))) return invalid();
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
