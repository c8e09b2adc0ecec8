// stepguard/oidc: step-up inside an OpenID Connect provider (oidc-provider 9, an optional peer
// dependency): acr_values / max_age / essential acr claims become stepguard step-ups, ID tokens
// carry the acr, amr and auth_time stepguard's session holds, resource servers answer RFC 9470.
export { createOidcStepUp, type OidcStepUp } from './oidc/createOidcStepUp';
export type { OidcStepUpOptions } from './oidc/parseOidcStepUpOptions';
export type { OidcProviderConfiguration } from './oidc/oidcConfiguration';
export type { RequireStepUpTokenOptions, OidcTokenInfo } from './oidc/createRequireStepUpToken';
export type { OidcAccount } from './oidc/findAccountFor';
export type { OidcProviderInstance, OidcProviderModule, OidcInteraction } from './oidc/oidcProviderTypes';
export { readAcrRequest, assessOidcLogin, levelOfAcr, supportedAcrValues } from './core/oidc';
export type { AcrAliases, AcrRequest, AcrChoice, OidcLoginAssessment, OidcPolicy } from './core/oidc';
