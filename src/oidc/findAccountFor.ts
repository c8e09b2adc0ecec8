import type { StepGuardConfig } from '../config';

/** An oidc-provider account: the `sub` and the claims its scopes release. */
export type OidcAccount = { accountId: string; claims(): Promise<Record<string, unknown>> };

/**
 * oidc-provider's `findAccount` from stepguard's `getIdentity`: `sub` is the user id, and
 * `preferred_username`, `email`, `name` and `groups` come from the host's identity hook (the
 * provider releases them by scope, per its `claims` configuration). A host with a hook that
 * knows nobody by this id has no such account any more.
 */
export function findAccountFor(config: Pick<StepGuardConfig, 'getIdentity'>) {
  return async function findAccount(_ctx: unknown, sub: string): Promise<OidcAccount | undefined> {
    const identity = config.getIdentity ? await config.getIdentity(sub) : undefined;
    if (config.getIdentity && !identity) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        ...(identity?.username ? { preferred_username: identity.username } : {}),
        ...(identity?.email ? { email: identity.email } : {}),
        ...(identity?.name ? { name: identity.name } : {}),
        ...(identity?.groups ? { groups: [...identity.groups] } : {}),
      }),
    };
  };
}
