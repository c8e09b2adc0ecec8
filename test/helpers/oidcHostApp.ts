import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import * as client from 'openid-client';
import { createStepGuard, type StepGuard } from '../../src';
import type { StepGuardOptions } from '../../src/config';
import { createOidcStepUp, type OidcProviderInstance, type OidcStepUp } from '../../src/oidc';
import { createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import type { StepGuardStores } from '../../src/stores/types';
import { RecordingSmsProvider } from './RecordingSmsProvider';
import { CookieBrowser } from './cookieBrowser';

export const OIDC_HOST_USERS = {
  alice: { id: 'u-alice', username: 'alice', password: 'alice-password-123', phone: '+14155550123' },
  bob: { id: 'u-bob', username: 'bob', password: 'bob-password-12345', phone: '+14155550187' },
  /** No second factor at all. */
  carol: { id: 'u-carol', username: 'carol', password: 'carol-password-123', phone: undefined },
} as const;
export type OidcHostUser = keyof typeof OIDC_HOST_USERS;

export const TRUSTED_UPSTREAM = 'https://idp.trusted.example';
export const UNTRUSTED_UPSTREAM = 'https://idp.untrusted.example';
export const RP = { clientId: 'test-rp', clientSecret: 'test-rp-secret-that-is-long-enough-0123456789', redirectPath: '/test-rp/callback' };

let signingKey: object | undefined;
/** One RSA key per test file: generating it is the slow part of building a provider. */
function testSigningKey(): object {
  signingKey ??= { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' };
  return signingKey;
}

export type OidcHost = {
  baseUrl: string;
  issuer: string;
  guard: StepGuard;
  stores: StepGuardStores;
  oidc: OidcStepUp;
  provider: OidcProviderInstance;
  sms: RecordingSmsProvider;
  /** A browser that signed in (password only) as `user`. */
  signedIn(user?: OidcHostUser): Promise<CookieBrowser>;
  /** Where the provider's redirects to the relying party land (never fetched). */
  isCallback(location: string): boolean;
  rp: TestRelyingParty;
  close(): Promise<void>;
};

/**
 * A host app that is not the demo, mounted as the README's "OpenID Connect provider" section
 * says: stepguard with its SMS step-up, a password login and an "upstream IdP" login
 * (`guard.firstFactor({ upstream })`), `GET /account` (action login), oidc-provider at `/oidc`
 * with stepguard/oidc, one registered client, and `POST /api/sensitive` (RFC 9470, aal2 within
 * 5 minutes). It listens on a loopback port, so the provider's issuer is a real URL; the
 * guard's clock is `Date.now()`, so jest's fake Date moves stepguard and oidc-provider together.
 */
export async function startOidcHost(options: { guardOptions?: StepGuardOptions } = {}): Promise<OidcHost> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${baseUrl}/oidc`;
  const sms = new RecordingSmsProvider();
  const stores = createMemoryStores();
  const guard = createStepGuard({
    environment: 'test',
    appOrigin: baseUrl,
    stores: { custom: stores },
    sms: { provider: sms, pumping: { mode: 'observe' } },
    secrets: { pepper: 'oidc-host-pepper-that-is-long-enough-0123456789', sessionSecret: 'oidc-host-session-secret-long-enough-0123456789' },
    policy: { trustedIssuers: [{ issuer: TRUSTED_UPSTREAM, amr: { otp: 'otp', hwk: 'hwk', sms: 'sms' } }] },
    clock: { nowMs: () => Date.now() },
    ...options.guardOptions,
  });
  for (const user of Object.values(OIDC_HOST_USERS)) if (user.phone) await guard.service.bindPhoneUnchecked(user.id, user.phone);

  const byName = new Map(Object.values(OIDC_HOST_USERS).map((u) => [u.username as string, u]));
  const passport = new Passport();
  passport.use(new LocalStrategy((username, password, done) => {
    const user = byName.get(username);
    done(null, user && user.password === password ? { id: user.id, username: user.username } : false);
  }));
  passport.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser<string>((id, done) => {
    const user = Object.values(OIDC_HOST_USERS).find((u) => u.id === id);
    done(null, user ? { id: user.id, username: user.username } : false);
  });

  const oidc = await createOidcStepUp({ guard, acrValues: { aliases: { 'urn:example:mfa': 'aal2' } }, firstPartyClients: [RP.clientId] });
  const provider = oidc.createProvider(issuer, {
    clients: [{ client_id: RP.clientId, client_secret: RP.clientSecret, redirect_uris: [`${baseUrl}${RP.redirectPath}`], response_types: ['code'], grant_types: ['authorization_code'] }],
    jwks: { keys: [testSigningKey()] },
    cookies: { keys: ['oidc-host-cookie-key-that-is-long-enough-0123456789'] },
    ttl: { Interaction: 600, Session: 12 * 3600, Grant: 12 * 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 3600 },
  });

  const app = express();
  app.use(guard.webhooks());
  app.use(session({ name: 'host.sid', secret: 'oidc-host-session-secret-long-enough-0123456789', resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } }));
  app.use(passport.initialize(), passport.session());
  app.use(guard.router());
  app.use(oidc.router(provider));
  app.use('/oidc', (provider as unknown as { callback(): express.RequestHandler }).callback());
  app.post('/api/sensitive', oidc.requireStepUpToken(provider, { level: 'aal2', maxAgeSeconds: 300 }), (req, res) => res.json({ ok: true, user: req.oidcToken?.accountId }));
  app.use(express.urlencoded({ extended: false }));
  app.get('/login', (req, res) => res.type('html').send(`<form method="post" action="/login"><input name="returnTo" value="${String(req.query.returnTo ?? '')}"></form>`));
  const back = (req: Request) => (typeof req.body?.returnTo === 'string' && req.body.returnTo.startsWith('/') && !req.body.returnTo.startsWith('//') ? req.body.returnTo : '/account');
  app.post('/login', passport.authenticate('local', { failureRedirect: '/login' }), guard.firstFactor(), (req, res) => res.redirect(303, back(req)));
  // Stands in for an upstream IdP's callback (passport-openidconnect, SAML): the user is known, the upstream's claims come along.
  app.post(
    '/login/upstream',
    (req, res, next) => {
      const user = byName.get(String(req.body.username));
      if (!user) return void res.status(401).end();
      req.login({ id: user.id, username: user.username }, next);
    },
    guard.firstFactor({
      upstream: (req) => ({ issuer: String(req.body.issuer), amr: String(req.body.amr).split(' '), authTimeSeconds: Number(req.body.authTime) }),
    }),
    (req, res) => res.redirect(303, back(req)),
  );
  app.get('/account', guard.requireStepUp('login'), (req, res) => res.json({ acr: req.stepguard?.acr, amr: req.stepguard?.amr }));
  app.post('/logout', async (req, res, next) => {
    try {
      await guard.signOut(req, { everywhere: req.body.everywhere === 'yes' });
      res.redirect(303, '/');
    } catch (err) {
      next(err);
    }
  });
  app.use(guard.errorHandler());
  server.on('request', app);

  const rp = await testRelyingParty(issuer, baseUrl);
  return {
    baseUrl,
    issuer,
    guard,
    stores,
    oidc,
    provider,
    sms,
    rp,
    isCallback: (location) => location.startsWith(`${baseUrl}${RP.redirectPath}`),
    async signedIn(user: OidcHostUser = 'alice') {
      const browser = new CookieBrowser(baseUrl);
      const { username, password } = OIDC_HOST_USERS[user];
      const answer = await browser.request('POST', '/login', { username, password, returnTo: '/' });
      if (answer.status !== 303 || !answer.location?.endsWith('/')) throw new Error(`login of ${user} failed: ${answer.status} ${answer.location}`);
      return browser;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type AuthorizationAttempt = { url: string; checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce: string; maxAge?: number } };
export type TestRelyingParty = {
  config: client.Configuration;
  start(params?: Record<string, string>): Promise<AuthorizationAttempt>;
  finish(callbackUrl: string, attempt: AuthorizationAttempt): Promise<Awaited<ReturnType<typeof client.authorizationCodeGrant>>>;
};

/** openid-client 6 as the relying party: authorization code + PKCE against the host's provider over loopback HTTP. */
async function testRelyingParty(issuer: string, baseUrl: string): Promise<TestRelyingParty> {
  const config = await client.discovery(new URL(issuer), RP.clientId, undefined, client.ClientSecretBasic(RP.clientSecret), { execute: [client.allowInsecureRequests] });
  return {
    config,
    async start(params = {}) {
      const pkceCodeVerifier = client.randomPKCECodeVerifier();
      const expectedState = client.randomState();
      const expectedNonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: `${baseUrl}${RP.redirectPath}`,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
        code_challenge_method: 'S256',
        state: expectedState,
        nonce: expectedNonce,
        ...params,
      });
      const maxAge = params.max_age !== undefined ? Number(params.max_age) : undefined;
      return { url: url.href, checks: { pkceCodeVerifier, expectedState, expectedNonce, ...(maxAge !== undefined ? { maxAge } : {}) } };
    },
    finish: (callbackUrl, attempt) => client.authorizationCodeGrant(config, new URL(callbackUrl), attempt.checks),
  };
}

/** Every timer stays real: jest fakes Date alone, so oidc-provider and stepguard see the same (movable) time. */
const REAL_TIMERS = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] as const;

/** Moves jest's fake Date (so stepguard and oidc-provider together) `seconds` on. */
export const advanceSeconds = (seconds: number): void => void jest.setSystemTime(Date.now() + seconds * 1000);

export type OidcHostSuite = {
  /** The host started in beforeAll (read it inside tests and hooks only). */
  readonly host: OidcHost;
  /** Sends the browser to the authorization endpoint and follows it until it rests or reaches the client's callback. */
  authorize(browser: CookieBrowser, params?: Record<string, string>): Promise<{ attempt: AuthorizationAttempt; final: Awaited<ReturnType<CookieBrowser['follow']>>['final']; hops: string[]; stoppedAt?: string }>;
  /** Sends an SMS code and enters it, following on to the client's callback. */
  stepUpBySms(browser: CookieBrowser): ReturnType<CookieBrowser['submit']>;
  /** Redeems the callback's code at the token endpoint (optionally DPoP-bound). */
  tokensOf(callback: string | undefined, attempt: AuthorizationAttempt, options?: client.DPoPOptions): ReturnType<typeof client.authorizationCodeGrant>;
};

/**
 * The set-up the OIDC test files shared: fake Date (timers real) and one {@link startOidcHost}
 * for the file's describe block (jest beforeAll/afterAll registered here), with the relying
 * party's three usual steps.
 */
export function useOidcHost(options: { guardOptions?: StepGuardOptions } = {}): OidcHostSuite {
  let current: OidcHost | undefined;
  beforeAll(async () => {
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS], now: Date.now() });
    current = await startOidcHost(options);
  });
  afterAll(async () => {
    await current?.close();
    jest.useRealTimers();
  });
  const suite: OidcHostSuite = {
    get host(): OidcHost {
      if (!current) throw new Error('useOidcHost: the host is started in beforeAll; read it inside a test or hook');
      return current;
    },
    async authorize(browser, params = {}) {
      const attempt = await suite.host.rp.start(params);
      return { attempt, ...(await browser.follow(attempt.url, suite.host.isCallback)) };
    },
    async stepUpBySms(browser) {
      const { host } = suite;
      await browser.submit('/auth/2fa/sms/send', { _csrf: await browser.csrfToken() });
      return browser.submit('/auth/2fa/sms/verify', { code: host.sms.lastCode(), _csrf: await browser.csrfToken() }, host.isCallback);
    },
    async tokensOf(callback, attempt, dpop) {
      if (!callback) throw new Error('no callback');
      return client.authorizationCodeGrant(suite.host.rp.config, new URL(callback), attempt.checks, undefined, dpop);
    },
  };
  return suite;
}
