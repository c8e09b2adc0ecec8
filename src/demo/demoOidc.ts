import { generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import type { Logger, StepGuard } from '../index';
import { createOidcStepUp, type OidcProviderInstance } from '../oidc';
import type { DemoUserStore } from './DemoUserStore';
import { createDemoRelyingParty } from './demoRelyingParty';

export type DemoOidcOptions = {
  /** A file holding the provider's private signing keys as a JWKS (`{"keys":[...]}`); required in production. */
  jwksFile?: string;
  /** Further clients to register beside the demo's own (a test's relying party). */
  clients?: readonly Record<string, unknown>[];
};

/** The demo's one registered client: the relying-party page at /rp, in this same process. */
export const DEMO_RP_CLIENT_ID = 'stepguard-demo-rp';

export type DemoOidc = {
  provider: OidcProviderInstance;
  issuer: string;
  /** Before any body parser and the app's CSRF check: the interaction route, `/oidc` and the RFC 9470 API. */
  routes: Router;
  /** After the app's parsers and CSRF check: the relying-party page `/rp`. */
  relyingParty: Router;
};

/**
 * The demo as an OpenID Connect provider (issue #13): oidc-provider at `/oidc` with stepguard's
 * step-up, one registered client (the `/rp` page), and `POST /api/sensitive`, a resource that
 * wants an aal2 authentication of the last 5 minutes and says so the RFC 9470 way. Signing keys
 * are generated in development; in production they come from `jwksFile`, or the provider is off.
 */
export async function createDemoOidc(options: DemoOidcOptions & { guard: StepGuard; users: DemoUserStore; logger: Logger; trustProxy: boolean }): Promise<DemoOidc | null> {
  const { guard, users, logger } = options;
  const production = guard.config.environment === 'production';
  if (production && !options.jwksFile) {
    logger.warn({ event: 'oidc_provider_off' }, 'OIDC_JWKS_FILE not set: the OpenID Connect provider (/oidc) and the /rp page are off');
    return null;
  }
  const jwks = options.jwksFile ? (JSON.parse(readFileSync(options.jwksFile, 'utf8')) as { keys: object[] }) : { keys: [developmentSigningKey()] };
  const origin = guard.config.appOrigin;
  const issuer = `${origin}/oidc`;
  // The client lives in this process: its secret never has to leave it.
  const clientSecret = randomBytes(32).toString('base64url');
  const oidc = await createOidcStepUp({ guard, acrValues: { aliases: { 'urn:stepguard:demo:mfa': 'aal2' } }, firstPartyClients: [DEMO_RP_CLIENT_ID] });
  const provider = oidc.createProvider(issuer, {
    clients: [
      {
        client_id: DEMO_RP_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [`${origin}/rp/callback`],
        post_logout_redirect_uris: [`${origin}/rp`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        require_auth_time: true,
      },
      ...(options.clients ?? []),
    ],
    jwks,
    // Signed cookies (interaction, session) under a key derived from the session secret: stable across restarts and nodes.
    cookies: { keys: [Buffer.from(hkdfSync('sha256', guard.config.secrets.sessionSecret, '', 'stepguard-demo-oidc-cookies', 32)).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'] },
    // Minutes for what a browser or client carries, the session's day for what the user holds.
    ttl: { Interaction: 600, Session: 12 * 3600, Grant: 12 * 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 3600 },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = users.get(sub);
      return user ? { accountId: sub, claims: async () => ({ sub, preferred_username: user.username, name: user.username }) } : undefined;
    },
  }) as OidcProviderInstance & { callback(): express.RequestHandler; proxy?: boolean };
  // Behind a TLS-terminating proxy the issuer is https: the provider trusts X-Forwarded-Proto as the app does.
  provider.proxy = options.trustProxy;

  const routes = express.Router();
  routes.use(oidc.router(provider));
  routes.use('/oidc', provider.callback());
  routes.post('/api/sensitive', oidc.requireStepUpToken(provider, { level: 'aal2', maxAgeSeconds: 300 }), (req, res) => {
    const token = req.oidcToken;
    res.json({ ok: true, did: 'something sensitive', user: token?.accountId, acr: token?.acr, authTime: token?.authTimeSeconds });
  });
  const relyingParty = createDemoRelyingParty({ issuer, clientId: DEMO_RP_CLIENT_ID, clientSecret, origin, guard, logger });
  logger.info({ event: 'oidc_provider', issuer }, `OpenID Connect provider at ${issuer}; try the relying party at ${origin}/rp`);
  return { provider, issuer, routes, relyingParty };
}

/** A signing key for this process only (development): tokens from before a restart stop verifying. */
function developmentSigningKey(): object {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };
}
