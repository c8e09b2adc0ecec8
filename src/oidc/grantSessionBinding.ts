import type { Request } from 'express';
import type { GuardInternals } from '../http/GuardInternals';
import { readState } from '../http/sessionState';
import { sessionLive } from '../http/sessionLiveness';
import type { OidcGrant } from './oidcProviderTypes';

/** The stepguard session a grant was last used from: its binding id and generation. */
export type GrantSessionBinding = { bindingId: string; generation: number };

/** The access token claims (`extra`) that name the stepguard session the token was issued from. */
export const BINDING_CLAIM = 'stepguard_bid';
export const GENERATION_CLAIM = 'stepguard_gen';

/**
 * Records on the grant (saved in the grant's `openid` part, the one oidc-provider persists whole)
 * which live stepguard session is authorizing now, so the access tokens issued from it can be
 * refused once that session is revoked (logout, sign out everywhere, a factor removed).
 * oidc-provider loads the grant at every authorization request, including the one that issues
 * the code, and the login check lets a code through only for a live session of the account.
 */
export async function bindGrantToSession(internals: GuardInternals, req: Request, grant: OidcGrant | undefined): Promise<void> {
  if (!grant?.accountId || !req.session) return;
  const userId = internals.config.getUserId(req);
  if (userId !== grant.accountId || !(await sessionLive(internals.service, req, userId))) return;
  const state = readState(req, userId);
  if (!state) return;
  const binding: GrantSessionBinding = { bindingId: state.bindingId, generation: state.generation ?? 0 };
  const known = grantSessionBinding(grant);
  if (known?.bindingId === binding.bindingId && known.generation === binding.generation) return;
  grant.openid = { ...grant.openid, stepguard: binding };
  await grant.save();
}

/** The session binding recorded on a grant, if any. */
export function grantSessionBinding(grant: OidcGrant | undefined): GrantSessionBinding | undefined {
  const value = grant?.openid?.stepguard as Partial<GrantSessionBinding> | undefined;
  if (!value || typeof value.bindingId !== 'string' || typeof value.generation !== 'number') return undefined;
  return { bindingId: value.bindingId, generation: value.generation };
}
