import type { Request } from 'express';
import type { AcrAliases } from '../core/oidc/acrLevels';
import { supportedAcrValues } from '../core/oidc/acrLevels';
import type { GuardInternals } from '../http/GuardInternals';
import { StepGuardConfigError } from '../errors';
import { ASSURANCE_CHECK_REASON, createAssuranceCheck } from './createAssuranceCheck';
import { findAccountFor } from './findAccountFor';
import type { OidcContext, OidcGrant, OidcInteractionPolicyKit } from './oidcProviderTypes';
import { BINDING_CLAIM, GENERATION_CLAIM, bindGrantToSession, grantSessionBinding } from './grantSessionBinding';

/** oidc-provider's configuration object; stepguard reads and sets only the keys named below. */
export type OidcProviderConfiguration = Record<string, unknown>;

type Settings = { action: string; aliases: AcrAliases; interactionPath: string; firstPartyClients: readonly string[] };

/**
 * The host's oidc-provider configuration with what stepguard brings: its interaction URL and the
 * `login` prompt check that makes stepguard's session the source of truth, `acr` / `amr` /
 * `auth_time` as supported claims, `acr_values_supported` (our levels and aliases), the
 * `claims` parameter (for essential `acr` requests), `acr` / `amr` / `auth_time` in access
 * tokens (for RFC 9470 resource servers), a `findAccount` from `getIdentity` when the host gives
 * none, and consent implied for first-party clients. Every other key is the host's, unchanged.
 */
export function oidcConfiguration(kit: OidcInteractionPolicyKit, internals: GuardInternals, settings: Settings, base: OidcProviderConfiguration = {}): OidcProviderConfiguration {
  const interactions = (base.interactions ?? {}) as { url?: unknown; policy?: ReturnType<OidcInteractionPolicyKit['base']> };
  if (interactions.url !== undefined) {
    throw new StepGuardConfigError('createOidcStepUp: configuration(): interactions.url is stepguard\'s (its router answers there); leave it out and set interactionPath instead.');
  }
  const policy = interactions.policy ?? kit.base();
  const login = policy.get('login');
  if (!login) throw new StepGuardConfigError('createOidcStepUp: configuration(): interactions.policy has no "login" prompt to add stepguard\'s check to.');
  // Called twice with one policy object, the check is still there once.
  login.checks.remove(ASSURANCE_CHECK_REASON);
  login.checks.add(createAssuranceCheck(kit, internals, { action: settings.action, aliases: settings.aliases }));

  const ownClaims = (base.claims ?? {}) as Record<string, unknown>;
  const features = (base.features ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const ownTokenClaims = base.extraTokenClaims as ((ctx: unknown, token: unknown) => unknown) | undefined;
  const ownLoadGrant = base.loadExistingGrant as ((ctx: OidcContext) => Promise<OidcGrant | undefined>) | undefined;
  return {
    ...base,
    acrValues: [...new Set([...((base.acrValues as string[] | undefined) ?? []), ...supportedAcrValues(settings.aliases)])],
    // In the openid scope, so every ID token carries them, not only when the client asks for them.
    claims: { ...ownClaims, openid: [...new Set([...(Array.isArray(ownClaims.openid) ? (ownClaims.openid as string[]) : ['sub']), 'acr', 'amr', 'auth_time'])], acr: null, amr: null, auth_time: null },
    interactions: { ...interactions, policy, url: (_ctx: unknown, interaction: { uid: string }) => `${settings.interactionPath}/${interaction.uid}` },
    features: {
      ...features,
      devInteractions: { ...features.devInteractions, enabled: false },
      claimsParameter: { enabled: true, ...features.claimsParameter },
    },
    findAccount: base.findAccount ?? findAccountFor(internals.config),
    extraTokenClaims: async (ctx: OidcContext | undefined, token: unknown) => ({
      ...((await ownTokenClaims?.(ctx, token)) as object | undefined),
      ...authenticationOf(ctx),
      ...sessionOf(ctx),
    }),
    loadExistingGrant: async (ctx: OidcContext) => {
      const existing = ownLoadGrant ? await ownLoadGrant(ctx) : await defaultGrant(ctx);
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId || !settings.firstPartyClients.includes(clientId)) {
        await bindGrantToSession(internals, ctx.req as Request, existing);
        return existing;
      }
      // A first-party app's users consent by using it: what it asks for now is granted.
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope([...(ctx.oidc.requestParamOIDCScopes ?? [])].join(' '));
      if (ctx.oidc.requestParamClaims?.size) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      await bindGrantToSession(internals, ctx.req as Request, grant);
      return grant;
    },
  };
}

/** oidc-provider's own default: the grant this session already holds for the client. */
async function defaultGrant(ctx: OidcContext): Promise<OidcGrant | undefined> {
  const session = ctx.oidc.session as { grantIdFor?(clientId: string): string | undefined } | undefined;
  const grantId = (ctx.oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId ?? (ctx.oidc.client ? session?.grantIdFor?.(ctx.oidc.client.clientId) : undefined);
  return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
}

/**
 * The authentication an access token was issued from (the code or refresh token being
 * exchanged), so a resource server can answer RFC 9470 `insufficient_user_authentication`.
 */
function authenticationOf(ctx: OidcContext | undefined): Record<string, unknown> {
  const entities = ctx?.oidc?.entities ?? {};
  const source = (entities.AuthorizationCode ?? entities.RefreshToken ?? entities.DeviceCode ?? entities.BackchannelAuthenticationRequest) as
    | { acr?: unknown; amr?: unknown; authTime?: unknown }
    | undefined;
  if (!source) return {};
  return {
    ...(typeof source.acr === 'string' ? { acr: source.acr } : {}),
    ...(Array.isArray(source.amr) ? { amr: source.amr } : {}),
    ...(typeof source.authTime === 'number' ? { auth_time: source.authTime } : {}),
  };
}

/**
 * The stepguard session the token's grant was last authorized from, so requireStepUpToken can
 * refuse the token once that session is revoked. A grant without one gives a token without one,
 * which requireStepUpToken refuses (fail closed).
 */
function sessionOf(ctx: OidcContext | undefined): Record<string, unknown> {
  const binding = grantSessionBinding(ctx?.oidc?.entities?.Grant as OidcGrant | undefined);
  return binding ? { [BINDING_CLAIM]: binding.bindingId, [GENERATION_CLAIM]: binding.generation } : {};
}
