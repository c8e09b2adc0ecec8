import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from 'express';
import { supportedAcrValues } from '../core/oidc/acrLevels';
import { StepGuardConfigError } from '../errors';
import { guardInternalsOf } from '../http/guardInternalsOf';
import { createInteractionRouter } from './createInteractionRouter';
import { createRequireStepUpToken, type RequireStepUpTokenOptions } from './createRequireStepUpToken';
import { findAccountFor, type OidcAccount } from './findAccountFor';
import { importEsm } from './importEsm';
import { oidcConfiguration, type OidcProviderConfiguration } from './oidcConfiguration';
import type { OidcProviderInstance, OidcProviderModule } from './oidcProviderTypes';
import { parseOidcStepUpOptions, type OidcStepUpOptions } from './parseOidcStepUpOptions';
import type { RequestHandler } from 'express';

export type OidcStepUp = {
  /** Every `acr` value this provider issues (stepguard's levels, then the aliases): `acr_values_supported`. */
  readonly acrValues: readonly string[];
  /**
   * The host's oidc-provider configuration with stepguard's parts added (see oidcConfiguration):
   * `new Provider(issuer, oidc.configuration({ clients, jwks, cookies }))`.
   */
  configuration(base?: OidcProviderConfiguration): OidcProviderConfiguration;
  /** `new Provider(issuer, configuration(base))`, with the oidc-provider module stepguard loaded. */
  createProvider(issuer: string, base?: OidcProviderConfiguration): OidcProviderInstance & { callback(): (req: IncomingMessage, res: ServerResponse) => void };
  /**
   * The interaction route (`GET <interactionPath>/:uid`): after `session()`, `passport.session()`
   * and `guard.router()`, before `app.use('/oidc', provider.callback())`.
   */
  router(provider: OidcProviderInstance): Router;
  /** oidc-provider's `findAccount` from `getIdentity` (what `configuration()` sets when the host gives none). */
  findAccount(ctx: unknown, sub: string): Promise<OidcAccount | undefined>;
  /** A resource server route in this process that answers RFC 9470 `insufficient_user_authentication`. */
  requireStepUpToken(provider: OidcProviderInstance, options: RequireStepUpTokenOptions): RequestHandler;
};

/**
 * Step-up inside an OpenID Connect provider (oidc-provider 9): `acr_values`, `max_age` and an
 * essential `acr` claim become a stepguard step-up with its pages, factors and risk policy, and
 * ID tokens carry the `acr`, `amr` (RFC 8176) and `auth_time` stepguard's session really holds.
 *
 * @example
 * const oidc = await createOidcStepUp({ guard, acrValues: { aliases: { 'urn:example:mfa': 'aal2' } } });
 * const provider = oidc.createProvider('https://id.example.com/oidc', { clients, jwks, cookies: { keys } });
 * app.use(oidc.router(provider));              // after session(), passport.session(), guard.router()
 * app.use('/oidc', provider.callback());
 */
export async function createOidcStepUp(options: OidcStepUpOptions): Promise<OidcStepUp> {
  const settings = parseOidcStepUpOptions(options);
  const internals = guardInternalsOf(settings.guard, 'createOidcStepUp');
  const oidc = settings.oidcProvider ?? (await loadOidcProvider());
  const configuration = (base?: OidcProviderConfiguration) => oidcConfiguration(oidc.interactionPolicy, internals, settings, base);
  return {
    acrValues: Object.freeze(supportedAcrValues(settings.aliases)),
    configuration,
    createProvider: (issuer, base) => new oidc.default(issuer, configuration(base)),
    router: (provider) => createInteractionRouter(internals, provider, settings),
    findAccount: findAccountFor(internals.config),
    requireStepUpToken: (provider, tokenOptions) => createRequireStepUpToken(provider, tokenOptions, { aliases: settings.aliases, clock: internals.config.clock, sessions: internals.service }),
  };
}

async function loadOidcProvider(): Promise<OidcProviderModule> {
  try {
    return await importEsm<OidcProviderModule>('oidc-provider');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new StepGuardConfigError('createOidcStepUp: oidc-provider is not installed; stepguard/oidc needs it as a peer: npm install oidc-provider@^9');
    }
    throw err;
  }
}
