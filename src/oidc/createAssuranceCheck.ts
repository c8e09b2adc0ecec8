import type { Request, Response } from 'express';
import type { AcrAliases } from '../core/oidc/acrLevels';
import type { GuardInternals } from '../http/GuardInternals';
import { assessOidcSession } from './assessOidcSession';
import type { OidcContext, OidcInteractionPolicyKit } from './oidcProviderTypes';

/** The reason an interaction was asked for when stepguard's session did not back the provider's. */
export const ASSURANCE_CHECK_REASON = 'stepguard_assurance';

/**
 * A check for oidc-provider's `login` prompt that keeps stepguard's session the source of truth:
 * it asks for an interaction unless the stepguard session on this request is live, belongs to
 * the provider session's account, satisfies the request's `acr_values` / `max_age` / essential
 * `acr` claim, and yields exactly the `acr`, `amr` and `auth_time` the provider session would
 * put in the token. So a signed-out, revoked, weaker or staler stepguard session never lets
 * the provider's own session cookie issue a code on its own. Right after stepguard finished
 * the interaction (`result.login`), the provider session was just set from it: nothing to ask.
 */
export function createAssuranceCheck(kit: OidcInteractionPolicyKit, internals: GuardInternals, options: { action: string; aliases: AcrAliases }): unknown {
  // With prompt=none the client learns login_required: the user has to authenticate (again, or more).
  return new kit.Check(ASSURANCE_CHECK_REASON, 'the stepguard session does not satisfy this request', 'login_required', async (ctx: OidcContext) => {
    const REQUEST_PROMPT = true;
    const NO_NEED_TO_PROMPT = false;
    if (ctx.oidc.result?.login) return NO_NEED_TO_PROMPT;
    const req = ctx.req as Request;
    if (!req.session) return REQUEST_PROMPT;
    const answer = await assessOidcSession(internals, req, ctx.res as Response, {
      ...options,
      params: ctx.oidc.params ?? {},
      requestedAtMs: internals.config.clock.nowMs(),
    });
    if (answer.kind !== 'assessed' || !answer.assessment.ok) return REQUEST_PROMPT;
    const session = ctx.oidc.session;
    const { acr, amr, authTimeSeconds } = answer.assessment;
    const same = session?.accountId === answer.userId && session.acr === acr && sameValues(session.amr, amr) && session.authTime() === authTimeSeconds;
    return same ? NO_NEED_TO_PROMPT : REQUEST_PROMPT;
  });
}

function sameValues(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((value) => b.includes(value));
}
