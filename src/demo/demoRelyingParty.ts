import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type * as OpenIdClient from 'openid-client';
import type { Logger, StepGuard } from '../index';
import { importEsm } from '../oidc/importEsm';

/** What the relying party keeps per visitor, in its own session (a separate app in spirit: not the provider's session). */
type DemoRpState = {
  /** An authorization request on its way: its PKCE verifier, state and nonce, and what to do on return. */
  pending?: { state: string; nonce: string; codeVerifier: string; maxAgeSeconds?: number; then?: 'sensitive' };
  signedIn?: { sub: string; username?: string; acr?: string; amr: string[]; authTime?: number; accessToken: string };
  /** The last answer of the sensitive API. */
  result?: Record<string, unknown>;
  error?: { code: string; description?: string };
};

const RP_COOKIE = 'sg.rp';
const RP_SESSION_MS = 3600_000;
const MAX_RP_SESSIONS = 10_000;

/** acr_values the page's links may ask for (the RFC 9470 challenge names its own). */
const ACR_VALUES = /^[\x21-\x7e]{1,100}( [\x21-\x7e]{1,100}){0,4}$/;

/**
 * A tiny relying party in the demo's process (openid-client 6, authorization code + PKCE):
 * `GET /rp` shows the ID token's `acr`, `amr` and `auth_time`; `POST /rp/sensitive` calls the
 * resource `POST /api/sensitive` with the access token and, when it answers RFC 9470
 * `insufficient_user_authentication`, signs in again with the `acr_values` and `max_age` the
 * challenge names, then calls it once more. Never twice in a row: no loop.
 */
export function createDemoRelyingParty(options: { issuer: string; clientId: string; clientSecret: string; origin: string; guard: StepGuard; logger: Logger }): Router {
  const { issuer, clientId, clientSecret, origin, guard, logger } = options;
  const redirectUri = `${origin}/rp/callback`;
  const loadClient = () => importEsm<typeof OpenIdClient>('openid-client');
  let discovered: Promise<OpenIdClient.Configuration> | undefined;
  // Discovered on first use (the server is not listening yet while the app is built), kept once it worked.
  const configuration = () =>
    (discovered ??= loadClient()
      .then((client) =>
        client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret), issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : undefined),
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      }));
  // The relying party's own sessions: in memory, bounded, behind their own cookie, so the
  // provider's session regeneration (sign-in, step-up) and sign-out leave them alone.
  const sessions = new Map<string, { state: DemoRpState; expiresAtMs: number }>();
  const state = (req: Request, res: Response): DemoRpState => {
    const id = /(?:^|;\s*)sg\.rp=([A-Za-z0-9_-]{43})(?:;|$)/.exec(req.get('cookie') ?? '')?.[1];
    const found = id ? sessions.get(id) : undefined;
    if (id && found && found.expiresAtMs > Date.now()) return found.state;
    const fresh = randomBytes(32).toString('base64url');
    if (sessions.size >= MAX_RP_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    const entry = { state: {}, expiresAtMs: Date.now() + RP_SESSION_MS };
    sessions.set(fresh, entry);
    res.cookie(RP_COOKIE, fresh, { httpOnly: true, sameSite: 'lax', secure: guard.config.http.secureCookies, path: '/rp', maxAge: RP_SESSION_MS });
    return entry.state;
  };
  const router = express.Router();

  router.get('/rp', (req, res) => {
    const rp = state(req, res);
    res.render('rp', { rp, authTime: rp.signedIn?.authTime ? new Date(rp.signedIn.authTime * 1000).toISOString() : undefined, csrfToken: guard.csrf.token(req, res), issuer });
  });

  router.get('/rp/login', async (req, res, next) => {
    try {
      const acrValues = typeof req.query.acr_values === 'string' && ACR_VALUES.test(req.query.acr_values) ? req.query.acr_values : undefined;
      const maxAge = typeof req.query.max_age === 'string' && /^\d{1,6}$/.test(req.query.max_age) ? Number(req.query.max_age) : undefined;
      await authorize(req, res, { ...(acrValues ? { acrValues } : {}), ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}) });
    } catch (err) {
      next(err);
    }
  });

  router.get('/rp/callback', async (req, res, next) => {
    try {
      const rp = state(req, res);
      const pending = rp.pending;
      delete rp.pending;
      delete rp.error;
      if (!pending) return void res.redirect(303, '/rp');
      const client = await loadClient();
      try {
        const tokens = await client.authorizationCodeGrant(await configuration(), new URL(req.originalUrl, origin), {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          ...(pending.maxAgeSeconds !== undefined ? { maxAge: pending.maxAgeSeconds } : {}),
        });
        const claims = tokens.claims();
        if (!claims) throw new Error('the token response carried no ID token');
        // The ID token says how the user authenticated; who they are (the profile scope) comes from userinfo.
        const profile = await client.fetchUserInfo(await configuration(), tokens.access_token, claims.sub);
        rp.signedIn = {
          sub: claims.sub,
          ...(typeof profile.preferred_username === 'string' ? { username: profile.preferred_username } : {}),
          ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
          amr: Array.isArray(claims.amr) ? claims.amr.map(String) : [],
          ...(typeof claims.auth_time === 'number' ? { authTime: claims.auth_time } : {}),
          accessToken: tokens.access_token,
        };
      } catch (err) {
        if (!(err instanceof client.AuthorizationResponseError)) throw err;
        // The provider said no (unmet_authentication_requirements, access_denied ...): shown, not retried.
        rp.error = { code: err.error, ...(err.error_description ? { description: err.error_description } : {}) };
        return void res.redirect(303, '/rp');
      }
      if (pending.then === 'sensitive') await callSensitive(rp, false);
      res.redirect(303, '/rp');
    } catch (err) {
      next(err);
    }
  });

  router.post('/rp/sensitive', async (req, res, next) => {
    try {
      const rp = state(req, res);
      if (!rp.signedIn) return void (await authorize(req, res, { then: 'sensitive' }));
      const challenge = await callSensitive(rp, true);
      if (challenge) return void (await authorize(req, res, { ...challenge, then: 'sensitive' }));
      res.redirect(303, '/rp');
    } catch (err) {
      next(err);
    }
  });

  router.post('/rp/logout', (req, res) => {
    const rp = state(req, res);
    for (const key of Object.keys(rp) as (keyof DemoRpState)[]) delete rp[key];
    res.redirect(303, '/rp');
  });

  async function authorize(req: Request, res: Response, params: { acrValues?: string; maxAgeSeconds?: number; then?: 'sensitive' }): Promise<void> {
    const client = await loadClient();
    const codeVerifier = client.randomPKCECodeVerifier();
    const pending = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, ...params };
    delete pending.acrValues;
    state(req, res).pending = pending;
    const url = client.buildAuthorizationUrl(await configuration(), {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(params.acrValues ? { acr_values: params.acrValues } : {}),
      ...(params.maxAgeSeconds !== undefined ? { max_age: String(params.maxAgeSeconds) } : {}),
    });
    res.redirect(303, url.href);
  }

  /**
   * Calls the sensitive API with the access token. An RFC 9470 challenge comes back as what to
   * ask the provider for (when `mayStepUp`), or is shown as the page's error.
   */
  async function callSensitive(rp: DemoRpState, mayStepUp: boolean): Promise<{ acrValues?: string; maxAgeSeconds?: number } | null> {
    const client = await loadClient();
    delete rp.result;
    delete rp.error;
    try {
      const response = await client.fetchProtectedResource(await configuration(), rp.signedIn?.accessToken ?? '', new URL('/api/sensitive', origin), 'POST');
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (response.ok) rp.result = body;
      else rp.error = { code: `http_${response.status}` };
      return null;
    } catch (err) {
      if (!(err instanceof client.WWWAuthenticateChallengeError)) throw err;
      const bearer = err.cause.find((c) => c.scheme === 'bearer')?.parameters ?? {};
      const acrValues = typeof bearer.acr_values === 'string' && ACR_VALUES.test(bearer.acr_values) ? bearer.acr_values : undefined;
      const maxAge = typeof bearer.max_age === 'string' && /^\d{1,6}$/.test(bearer.max_age) ? Number(bearer.max_age) : undefined;
      if (bearer.error === 'insufficient_user_authentication' && mayStepUp) {
        logger.info({ event: 'rp_step_up', acrValues, maxAge }, 'The API wants a stronger sign-in: asking the provider for it');
        return { ...(acrValues ? { acrValues } : {}), ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}) };
      }
      rp.error = { code: String(bearer.error ?? 'unauthorized'), ...(typeof bearer.error_description === 'string' ? { description: bearer.error_description } : {}) };
      if (bearer.error === 'invalid_token') delete rp.signedIn;
      return null;
    }
  }

  router.use('/rp', (err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    logger.warn({ event: 'rp_failed', err: err instanceof Error ? err.message : String(err) }, 'The relying party could not finish');
    next(err);
  });
  return router;
}
