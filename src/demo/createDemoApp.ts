import express, { type NextFunction, type Request, type Response } from 'express';
import { wantsHtml } from '../http/respond';
import session from 'express-session';
import helmet from 'helmet';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { join } from 'node:path';
import { RedisStore } from 'connect-redis';
import type { Cluster, Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import {
  createStepGuard,
  ERRORS,
  ioredisSessionClient,
  type Clock,
  type ErrorCode,
  type Logger,
  type SmsProvider,
  type StepGuard,
  type StepGuardOptions,
  type StepGuardStores,
  safeReturnTo,
  answerEveryRequest,
} from '../index';
import { FileAuditStore } from '../stores';
import { packageRoot } from '../http/packageRoot';
import { cryptoRandom } from '../core/random';
import { DemoUserStore, type DemoUser } from './DemoUserStore';
import { BoundedMemorySessionStore } from './BoundedMemorySessionStore';
import { seedDemoAccounts } from './seedDemoAccounts';
import { demoErrorHandler } from './demoErrorHandler';
import { loggedPath } from './loggedPath';
import { createDemoOidc, type DemoOidcOptions } from './demoOidc';

export type DemoAppOptions = {
  /** When given, sessions and stepguard state live in Redis; otherwise in memory. */
  redis?: Redis | Cluster;
  /** When given, phone bindings, factors and the audit trail live in MongoDB; otherwise in memory. */
  mongo?: Connection;
  /** When given, the audit trail is appended to this JSON-lines file (verify it with the CLI). */
  auditFile?: string;
  /** Prefix of every Redis key (stepguard's and the sessions'). @default 'sg' */
  redisKeyPrefix?: string;
  sessionSecret?: string;
  pepper?: string;
  /** base64 of 32 bytes; encrypts TOTP secrets at rest. */
  encryptionKey?: string;
  smsProvider?: SmsProvider;
  /** Providers in priority order (instead of smsProvider). */
  smsProviders?: SmsProvider[];
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Serve GET /metrics to anyone even in production (a network policy keeps it private). */
  metricsPublic?: boolean;
  /** Lets production run with bindings, factors and audit in memory (stepguard's stores.allowMemoryDurableStores; demos only). */
  allowMemoryDurableStores?: boolean;
  clock?: Clock;
  logger: Logger;
  appOrigin?: string;
  trustProxy?: boolean | number | string;
  /** Extra seeded accounts `bench-1..N` (password `bench-password-123`), each with its own number, for load tests. */
  benchUsers?: number;
  /** Stores built by the caller (tests read the audit trail through them). */
  stores?: StepGuardStores;
  /** Extra guard options (phone policy and the like), merged over the demo's. */
  guardOptions?: Pick<StepGuardOptions, 'phone' | 'policy' | 'lockout' | 'audit' | 'firstFactor' | 'risk' | 'forwardAuth' | 'sms' | 'factorChange' | 'sessions' | 'onSecurityEvent' | 'enrolment' | 'alerts'> & {
    allowedReturnOrigins?: string[];
  };
  environment?: 'production' | 'development' | 'test';
  /** When given, the OpenID Connect provider at /oidc and its relying-party page /rp (npm start always gives it; see demoOidc.ts). */
  oidc?: DemoOidcOptions;
  /**
   * DEMO ONLY: the console's `firstFactorWaitSeconds` for the demo operator. Without it the
   * library default holds (72 h: a passkey bound with the password alone opens the console only
   * then). `npm start` outside production sets 0 so olivia can try the console at once; never
   * copy that into an app with real operators.
   */
  adminFirstFactorWaitSeconds?: number;
};

export type DemoApp = { app: express.Express; guard: StepGuard; users: DemoUserStore };

export { DEMO_ACCOUNT, DEMO_OPERATOR } from './seedDemoAccounts';
import { DEMO_OPERATOR } from './seedDemoAccounts';

const credentials = z.strictObject({
  username: z.string().trim().min(3).max(64).regex(/^[a-zA-Z0-9._-]+$/, 'may contain letters, digits, dot, dash and underscore'),
  password: z.string().min(12, 'must be at least 12 characters').max(256),
  returnTo: z.string().max(2048).optional(),
  _csrf: z.string().optional(),
});
const transferInput = z.strictObject({
  amount: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be more than 0')
    .max(1_000_000, 'must be at most 1,000,000')
    .refine((n) => Number.isInteger(Math.round(n * 100)) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'has at most 2 decimals'),
  payee: z.string().trim().min(1, 'is required').max(64).regex(/^[\p{L}\p{N} .,'&-]+$/u, 'may contain letters, digits, spaces and .,\'&-'),
  _csrf: z.string().optional(),
});

/**
 * The demo login server: a password login (passport-local, scrypt) with stepguard's SMS
 * step-up on top. It uses only stepguard's public API, exactly as a host app would.
 */
export async function createDemoApp(options: DemoAppOptions): Promise<DemoApp> {
  const { logger } = options;
  const guard = createStepGuard({
    environment: options.environment,
    serviceName: 'stepguard',
    appOrigin: options.appOrigin,
    secrets: {
      pepper: options.pepper,
      sessionSecret: options.sessionSecret,
      ...(options.encryptionKey ? { encryptionKeys: { k1: options.encryptionKey } } : {}),
    },
    ...(options.guardOptions ? withoutKey(options.guardOptions, 'allowedReturnOrigins') : {}),
    http: options.guardOptions?.allowedReturnOrigins ? { allowedReturnOrigins: options.guardOptions.allowedReturnOrigins } : undefined,
    stores: options.stores
      ? { custom: options.stores }
      : options.redis || options.mongo || options.auditFile || options.allowMemoryDurableStores
        ? {
            redis: options.redis,
            mongo: options.mongo,
            keyPrefix: options.redisKeyPrefix ?? 'sg',
            ...(options.auditFile ? { audit: new FileAuditStore(options.auditFile) } : {}),
            ...(options.allowMemoryDurableStores ? { allowMemoryDurableStores: true } : {}),
          }
        : 'memory',
    sms: {
      ...options.guardOptions?.sms,
      ...(options.smsProviders ? { providers: options.smsProviders } : options.smsProvider ? { provider: options.smsProvider } : {}),
    },
    clock: options.clock,
    logger,
    // The login name, for forward-auth's Remote-User, authenticator apps and the login throttle's reset.
    getIdentity: (userId) => {
      const user = users.get(userId);
      return user ? { username: user.username } : null;
    },
  });
  // One Passport per app, so that several demo apps in one process (tests) never share users.
  const passport = new Passport();
  const users = new DemoUserStore();
  // A published password and a number bound without proof have no place in production.
  if (guard.config.environment !== 'production') await seedDemoAccounts(guard, users, options.benchUsers ?? 0);

  passport.use(
    'demo-local',
    new LocalStrategy((username, password, done) => {
      users.verify(username, password).then((user) => done(null, user ?? false), done);
    }),
  );
  passport.serializeUser<string>((user, done) => done(null, (user as DemoUser).id));
  passport.deserializeUser<string>((id, done) => done(null, users.get(id) ?? false));

  const app = express();
  app.disable('x-powered-by');
  // First: every request gets its answer, however malformed (bodies past 64 KiB refused unread;
  // early answers close the connection in stages instead of resetting it). Every parser here takes 16 KiB.
  app.use(answerEveryRequest({ maxBodyBytes: 64 * 1024 }));
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', join(packageRoot(), 'views', 'demo'));
  const production = guard.config.environment === 'production';
  app.use(
    helmet({
      // Over plain http://localhost in development, HSTS and upgrade-insecure-requests would break the demo.
      strictTransportSecurity: production,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: production ? [] : null } },
    }),
  );
  app.use((req, res, next) => {
    // Pages here show who is signed in, codes forms and transfers: nothing for a browser or proxy to keep.
    res.setHeader('Cache-Control', 'no-store');
    // At warn or above (the bench, a quiet production) a request costs no timer, listener or closure.
    if ((logger as Partial<{ isLevelEnabled(level: string): boolean }>).isLevelEnabled?.('info') === false) return next();
    const started = process.hrtime.bigint();
    // Taken now: by 'finish', a router the request went through may have left req.url relative to its mount point.
    const path = loggedPath(req.path);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Path only: query strings and bodies may carry returnTo values or codes.
      logger.info({ event: 'http', method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });
  app.get('/healthz', async (_req, res) => {
    try {
      await guard.service.checkHealth();
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  // Before sessions, body parsers and CSRF: providers post signed raw bodies and have no session.
  app.use(guard.webhooks());
  app.get('/metrics', guard.metricsHandler({ ...(options.metricsToken ? { bearerToken: options.metricsToken } : {}), ...(options.metricsPublic ? { public: true } : {}) }));

  const sessionCookieName = guard.config.http.secureCookies ? '__Host-sg.sid' : 'sg.sid';
  app.use(
    session({
      // Over HTTPS the __Host- prefix keeps a sibling subdomain from planting a session cookie.
      name: sessionCookieName,
      secret: guard.config.secrets.sessionSecret,
      resave: false,
      saveUninitialized: false,
      // Not rolling, and no touch on a read: a request that changed nothing writes nothing to
      // Redis (issue 12). A session lives 12 h from its last change, cookie and store alike.
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: guard.config.http.secureCookies, maxAge: 12 * 3600 * 1000 },
      // The same ids as express-session's own (24 CSPRNG bytes, base64url), cut from stepguard's
      // pooled CSPRNG source instead of a randomBytes call per id (a sign-in and a step-up each
      // issue one).
      genid: () => cryptoRandom.bytes(24).toString('base64url'),
      ...(options.redis ? { store: new RedisStore({ client: ioredisSessionClient(options.redis, { keyPrefix: `${options.redisKeyPrefix ?? 'sg'}:sess:`, onLoad: guard.sessionLoading }), prefix: `${options.redisKeyPrefix ?? 'sg'}:sess:`, disableTouch: true }) } : { store: new BoundedMemorySessionStore() }),
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  // stepguard's pages and API at /auth/2fa (own parsers and CSRF); on every request, a session
  // revoked by a logout, "sign out everywhere" or a factor removal counts as signed out.
  app.use(guard.router());
  // The support desk's console: the demo operator (DEMO_OPERATOR) is the only operator; stepguard adds its passkey step-up.
  app.use('/admin/2fa', guard.adminRouter({
    authorize: (req) => (req.user as DemoUser | undefined)?.username === DEMO_OPERATOR.username,
    findUserId: (query) => users.idOf(query),
    ...(options.adminFirstFactorWaitSeconds !== undefined ? { firstFactorWaitSeconds: options.adminFirstFactorWaitSeconds } : {}),
  }));
  // The OpenID Connect provider (/oidc, its interaction route, the RFC 9470 API): own parsers, no CSRF token.
  const oidc = options.oidc ? await createDemoOidc({ ...options.oidc, guard, users, logger, trustProxy: options.trustProxy !== undefined && options.trustProxy !== false }) : null;
  if (oidc) app.use(oidc.routes);
  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  app.use(guard.csrf.protect);
  if (oidc) app.use(oidc.relyingParty);

  const fail = (req: Request, res: Response, code: ErrorCode, details: Record<string, unknown> = {}, view?: string) => {
    const { status, message } = ERRORS[code];
    if (wantsHtml(req) && view) {
      return res.status(status).render(view, { error: message, csrfToken: guard.csrf.token(req, res), details, user: req.user });
    }
    return res.status(status).json({ error: { code, message, ...details } });
  };
  const invalid = (req: Request, res: Response, error: z.ZodError, view?: string) => {
    const issue = error.issues[0];
    const field = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path.join('.') || '(body)';
    const problem = issue?.code === 'unrecognized_keys' ? 'is not an accepted field' : issue?.message;
    return fail(req, res, 'invalid_request', { field, problem }, view);
  };

  app.get('/auth/csrf', (req, res) => {
    res.json({ csrfToken: guard.csrf.token(req, res) });
  });

  app.get('/', (req, res) => {
    res.render('home', { user: req.user, session: guard.sessionInfo(req), csrfToken: guard.csrf.token(req, res) });
  });
  app.get('/login', (req, res) => {
    res.render('login', { csrfToken: guard.csrf.token(req, res), error: undefined, returnTo: (safeReturnTo(req.query.returnTo, guard.config.http.allowedReturnOrigins) ?? undefined) });
  });

  app.post('/auth/signup', async (req, res, next) => {
    try {
      const parsed = credentials.safeParse(req.body ?? {});
      if (!parsed.success) return invalid(req, res, parsed.error);
      const user = await users.create(parsed.data.username, parsed.data.password);
      if (!user) return fail(req, res, 'username_taken');
      res.status(201).json({ user });
    } catch (err) {
      next(err);
    }
  });

  app.post('/auth/login', (req, res, next) => {
    const parsed = credentials.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(req, res, parsed.error, 'login');
    // Throttled before the password is checked, by the submitted name (existing or not) and address.
    guard.firstFactor.check(req, parsed.data.username).then((gate) => {
      if (!gate.ok) {
        res.set('Retry-After', String(gate.retryAfterSeconds));
        return fail(req, res, 'too_many_login_attempts', { retryAfterSeconds: gate.retryAfterSeconds }, 'login');
      }
      passport.authenticate('demo-local', { session: false }, (err: unknown, user: DemoUser | false) => {
        if (err) return next(err);
        if (!user) {
          logger.info({ event: 'login_failed' }, 'Password login failed');
          // The account's id when the name exists: its failures go to its own audit chain, never aggregated away.
          void guard.firstFactor
            .recordFailure(req, { userId: users.idOf(parsed.data.username) })
            .catch((auditErr: unknown) => logger.error({ event: 'audit_failed', err: String(auditErr) }, 'Could not audit a failed login'));
          if (wantsHtml(req)) {
            return res.status(401).render('login', {
              csrfToken: guard.csrf.token(req, res),
              error: ERRORS.invalid_credentials.message,
              returnTo: (safeReturnTo(parsed.data.returnTo, guard.config.http.allowedReturnOrigins) ?? undefined),
            });
          }
          return fail(req, res, 'invalid_credentials');
        }
        req.login(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          guard
            .recordFirstFactor(req)
            .then(async () => {
              logger.info({ event: 'login_succeeded', userId: user.id }, 'Password login succeeded');
              await guard.service.audit({ type: 'login_succeeded', outcome: 'success', userId: user.id, factor: 'pwd', context: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null } });
              if (wantsHtml(req)) return res.redirect(303, (safeReturnTo(parsed.data.returnTo, guard.config.http.allowedReturnOrigins) ?? undefined) ?? '/account');
              const methods = await guard.service.maskedPhoneOf(user.id);
              res.json({
                user,
                acr: guard.sessionInfo(req)?.acr,
                secondFactor: {
                  acceptableFactors: guard.config.actions.login?.factors,
                  available: methods ? [{ factor: 'sms', to: methods }] : [],
                  send: `${guard.config.http.basePath}/sms/send`,
                },
                csrfToken: guard.csrf.token(req, res),
              });
            })
            .catch(next);
        });
      })(req, res, next);
    }, next);
  });

  app.post('/auth/logout', async (req, res, next) => {
    try {
      // Revoked in the store before the session is destroyed: requests in flight cannot revive it.
      await guard.signOut(req);
      res.clearCookie(sessionCookieName, { path: '/', secure: guard.config.http.secureCookies, httpOnly: true, sameSite: 'lax' });
      if (wantsHtml(req)) return res.redirect(303, '/');
      res.json({ ok: true });
    } catch (err) {
      next(err);
    }
  });

  app.get('/auth/session', (req, res) => {
    const info = guard.sessionInfo(req);
    if (!req.user) return res.json({ authenticated: false });
    res.json({
      authenticated: true,
      user: req.user,
      acr: info?.acr,
      amr: info?.amr ?? [],
      factors: Object.fromEntries(Object.entries(info?.factors ?? {}).map(([f, ms]) => [f, new Date(ms as number).toISOString()])),
    });
  });

  app.get('/account', guard.requireStepUp('login'), (req, res) => {
    const info = req.stepguard;
    if (wantsHtml(req)) return res.render('account', { user: req.user, info, csrfToken: guard.csrf.token(req, res) });
    res.json({ user: req.user, acr: info?.acr, amr: info?.amr });
  });

  app.get('/transfer', guard.requireStepUp('login'), (req, res) => {
    res.render('transfer', { csrfToken: guard.csrf.token(req, res), error: undefined, pending: req.session.demoTransfer });
  });
  app.get('/transfer/confirm', (req, res) => {
    if (!req.user || !req.session.demoTransfer) return res.redirect(303, '/transfer');
    res.render('transfer-confirm', { csrfToken: guard.csrf.token(req, res), transfer: req.session.demoTransfer });
  });

  const stepUpForTransfer = guard.requireStepUp('transfer', {
    bind: (req) => {
      const { amount, payee } = (req as Request & { transfer: { amount: number; payee: string } }).transfer;
      return { amount: amount.toFixed(2), payee };
    },
    returnTo: () => '/transfer/confirm',
  });
  app.post(
    '/transfer',
    (req: Request, res: Response, next: NextFunction) => {
      // Validate before the guard, so a malformed transfer is a 400 and never a step-up prompt.
      const parsed = transferInput.safeParse(req.body ?? {});
      if (!parsed.success) return invalid(req, res, parsed.error, 'transfer');
      (req as Request & { transfer: unknown }).transfer = parsed.data;
      if (req.user) req.session.demoTransfer = { amount: parsed.data.amount.toFixed(2), payee: parsed.data.payee };
      next();
    },
    stepUpForTransfer,
    (req: Request, res: Response) => {
      const { amount, payee } = (req as Request & { transfer: { amount: number; payee: string } }).transfer;
      delete req.session.demoTransfer;
      logger.info({ event: 'transfer_executed', userId: req.stepguard?.userId }, 'Transfer executed');
      const result = { ok: true, transfer: { amount: amount.toFixed(2), payee }, approvedWith: req.stepguard?.satisfiedBy };
      if (wantsHtml(req)) return res.render('transfer-done', { user: req.user, result });
      res.json(result);
    },
  );

  app.use((req: Request, res: Response) => void fail(req, res, 'not_found'));
  app.use(guard.errorHandler());
  app.use(demoErrorHandler(logger));
  return { app, guard, users };
}

function withoutKey<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

declare module 'express-session' {
  interface SessionData {
    demoTransfer?: { amount: string; payee: string };
  }
}
