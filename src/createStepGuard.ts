import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { parseStepGuardOptions, type StepGuardConfig, type StepGuardOptions } from './config';
import { deriveAssurance, type Assurance } from './core/assurance/deriveAssurance';
import type { FactorTimes, SecondFactorId } from './core/assurance/types';
import { createCsrf, type Csrf } from './http/csrf';
import { StepGuardConfigError } from './errors';
import { createErrorHandler, isStoreOutage } from './http/createErrorHandler';
import { finishStepUp, type FinishedStepUp } from './http/finishStepUp';
import { mountAtBasePath } from './http/mountAtBasePath';
import { middlewareFactory } from './http/middlewareFactory';
import { requireSession } from './http/requireSession';
import { warnMemoryDurableStores } from './warnMemoryDurableStores';
import { missingStorePorts } from './stores/missingStorePorts';
import { upstreamFactors, type UpstreamClaims } from './core/assurance/upstreamFactors';
import { requestContext } from './http/requestContext';
import { createFirstFactorGate, type FirstFactorGate } from './http/createFirstFactorGate';
import { createRouter } from './http/createRouter';
import { createForwardAuth, type ForwardAuthOptions } from './http/createForwardAuth';
import type { GuardInternals } from './http/GuardInternals';
import { registerGuardInternals } from './http/guardInternalsOf';
import { createViewRenderer } from './http/renderView';
import { sendError } from './http/respond';
import { createRequireStepUp, type RequireStepUpOptions } from './http/requireStepUp';
import { createAdminRouter } from './http/admin/createAdminRouter';
import type { AdminRouterOptions } from './http/admin/adminRouterOptions';
import { createOperatorService } from './service/createOperatorService';
import { ensureState, readState, recordFactor, reissueSession } from './http/sessionState';
import { createSessionCheck, sessionLoadingHook } from './http/sessionLiveness';
import { createStepGuardService, type StepGuardService } from './service/createStepGuardService';
import { failClosed } from './service/StoreUnavailableError';
import { ConsoleSmsProvider } from './sms/ConsoleSmsProvider';
import { createSmsRouter } from './sms/createSmsRouter';
import { createPumpingGuard } from './sms/createPumpingGuard';
import { createMetrics } from './metrics/createMetrics';
import { createWebhookRouter } from './http/createWebhookRouter';
import { createMetricsHandler, type MetricsHandlerOptions } from './http/createMetricsHandler';
import { createMemoryStores } from './stores/memory/createMemoryStores';
import { createMongoStores } from './stores/mongo/createMongoStores';
import { createAuditWriter } from './audit/createAuditWriter';
import { createAuditStreamFromConfig } from './audit/sinks/createAuditStreamFromConfig';
import { createRiskEngine } from './risk/createRiskEngine';
import { listenForAdminCommands, type AdminCommandChannelOptions, type AdminCommandListener } from './admin/listenForAdminCommands';
import { deriveAuditKey } from './core/audit/auditChain';
import { createRedisStores } from './stores/redis/createRedisStores';
import type { StepGuardStores } from './stores/types';
import { combineStores } from './stores/combineStores';
import { MemoryStatsStore } from './stores/memory/MemoryStatsStore';
import { createStatsRecorder } from './service/createStatsRecorder';
import { recordStatsFromMetrics } from './metrics/recordStatsFromMetrics';
import { SmsOtpStrategy } from '../strategies/SmsOtpStrategy';
import { TotpStrategy } from '../strategies/TotpStrategy';
import { WebAuthnStrategy } from '../strategies/WebAuthnStrategy';
import { BackupCodeStrategy } from '../strategies/BackupCodeStrategy';

/** `guard.firstFactor()`: middleware after the host's password check; `.check` / `.recordFailure` throttle guessing. */
export type FirstFactor = FirstFactorGate & {
  /**
   * Middleware for the login route, after the first factor was verified and `req.user` set (e.g.
   * after `passport.authenticate('local')`): records it under the user's current session
   * generation and clears the account's failure count. For a sign-in at an upstream identity
   * provider, `upstream(req)` returns its claims: MFA done there counts here only for an issuer
   * in `policy.trustedIssuers`.
   */
  (options?: FirstFactorOptions): RequestHandler;
  /**
   * Middleware before the password check (`passport.authenticate('local')`): `check`s the
   * attempt against the per-account and per-address budgets and answers `429` with
   * `Retry-After` when spent. Each attempt counts as a failure until `guard.firstFactor()`
   * records the success, so nothing has to be told about a wrong password.
   */
  throttle(usernameOf: (req: Request) => unknown): RequestHandler;
};

export type FirstFactorOptions = {
  /** The upstream sign-in's claims (`iss`, `amr`, `acr`, `auth_time` of its ID token or assertion). */
  upstream?: (req: Request) => UpstreamClaims | undefined;
};

export type StepGuard = {
  readonly config: StepGuardConfig;
  readonly service: StepGuardService;
  /**
   * `app.use(guard.router())` after `session()` and `passport.session()`, before your own CSRF
   * middleware. It places itself at `http.basePath` (default `/auth/2fa`) with its own body
   * parsers, CSRF check, `/csrf`, pages and error answers, and on every request treats a revoked
   * session (logout, sign out everywhere, a factor removed) as signed out.
   */
  router(): RequestHandler;
  /**
   * Delivery receipts at `<basePath>/webhooks/:provider`: `app.use(guard.webhooks())` before
   * any body parser, session and CSRF middleware (signatures cover the raw body).
   */
  webhooks(): RequestHandler;
  /** The SSO-gateway check (nginx auth_request, Traefik forwardAuth); also at `<basePath>/forward-auth`. */
  forwardAuth(options?: ForwardAuthOptions): RequestHandler;
  /** Guards a route by action (see `policy.actions`). */
  requireStepUp(action: string, options?: RequireStepUpOptions): RequestHandler;
  /**
   * The support desk's console, mounted where the host likes, after session and passport:
   * `app.use('/admin/2fa', guard.adminRouter({ authorize: req => req.user?.isAdmin === true }))`.
   * The host says who is an operator; stepguard also wants the operator's fresh passkey step-up.
   */
  adminRouter(options: AdminRouterOptions): RequestHandler;
  /** `guard.firstFactor()` middleware, and the password-guessing throttle `check` / `recordFailure`. */
  readonly firstFactor: FirstFactor;
  /** What `guard.firstFactor()` does, for login routes with a custom callback (`req.login(user, ...)`). */
  recordFirstFactor(req: Request, options?: { upstream?: UpstreamClaims }): Promise<void>;
  /**
   * Finishes a step-up with a verified second factor, exactly as stepguard's own routes do (the
   * Passport strategies call it themselves): recorded with its instance (`info.ref`, from the
   * service's result; without it the factor does not count for high-risk actions or factor
   * changes), a new session id when the level rose, the risk engine's success record, the
   * `step_up_satisfied` audit and the pending action cleared.
   */
  recordSecondFactor(req: Request, factor: SecondFactorId, info?: { ref?: unknown; verifiedAtMs?: number; action?: string; remember?: boolean }): Promise<FinishedStepUp>;
  /**
   * For the session store: `ioredisSessionClient(redis, { keyPrefix, onLoad: guard.sessionLoading })`
   * starts the session's revocation check together with its load (one Redis round trip per
   * request instead of two). Optional: without it the check runs after the load.
   */
  readonly sessionLoading: (sessionId: string) => void;
  /**
   * Signs the session out for good: revoked in the store first (so requests in flight cannot
   * write it back to life), then destroyed. `everywhere` ends every session of the user.
   */
  signOut(req: Request, options?: { everywhere?: boolean }): Promise<void>;
  /**
   * Signs out every other session of the signed-in user and keeps this one (after a password
   * change, or "sign out everywhere else"); audited and told to `onSecurityEvent`.
   */
  revokeOtherSessions(req: Request, options?: { reason?: string }): Promise<void>;
  /** `acr`, `amr`, auth time and per-factor times of the signed-in user's session. */
  sessionInfo(req: Request): (Assurance & { userId: string; factors: FactorTimes }) | null;
  /** CSRF for the host's own routes, if it has none: `token(req, res)` for pages and clients, `protect` middleware. */
  readonly csrf: Csrf;
  /** Prometheus metrics for `GET /metrics`; in production it refuses to be built without `bearerToken` unless `{ public: true }`. */
  metricsHandler(options?: MetricsHandlerOptions): RequestHandler;
  /**
   * Optional, last: answers store outages raised in your routes by stepguard calls (`503`,
   * fail closed); every other error passes on to your own handler.
   */
  errorHandler(): ErrorRequestHandler;
  /**
   * On shutdown: streams each changed chain's last checkpoint, delivers what the audit sinks
   * still queue (up to `timeoutMs`, default 5 s) and closes their connections. A no-op without `audit.sinks`.
   */
  closeAuditSinks(timeoutMs?: number): Promise<void>;
  /**
   * On shutdown, one call: writes this node's buffered stats (they are flushed every
   * `stats.flushSeconds`, so up to that much would be lost otherwise), then `closeAuditSinks`.
   * Best effort for the stats (an outage is logged and counted, never thrown).
   */
  close(timeoutMs?: number): Promise<void>;
  /**
   * Opts this node in to the admin command channel: the CLI's `factors list|reset` and
   * `audit export|verify` with REDIS_URL reach a running node through Redis, and the node runs
   * them through this guard's service (factor-change rules, cool-off, notices, audit). Commands
   * are MAC'd with a key derived from the pepper, single use, within a minute of this clock, and
   * allow-listed. `redis` defaults to `stores.redis`. `close()` on shutdown.
   */
  listenForAdminCommands(options?: AdminCommandChannelOptions): AdminCommandListener;
  /** Passport strategies, ready for `passport.use()` (also in `stepguard/passport`). */
  readonly strategies: { smsOtp: SmsOtpStrategy; totp: TotpStrategy; webauthn: WebAuthnStrategy; backupCode: BackupCodeStrategy };
};

/**
 * Builds a guard: validates options (throwing StepGuardConfigError with the option's name),
 * wires the stores and SMS provider to the service, and returns the middleware and routes.
 *
 * @example
 * const guard = createStepGuard({ stores: { redis, mongo }, secrets: { pepper, sessionSecret } });
 * app.use(guard.webhooks());
 * app.use(session(...), passport.initialize(), passport.session());
 * app.use(guard.router());
 * app.post('/login', passport.authenticate('local'), guard.firstFactor(), (req, res) => res.redirect('/account'));
 * app.get('/account', guard.requireStepUp('login'), handler);
 */
export function createStepGuard(options: StepGuardOptions = {}): StepGuard {
  const config = parseStepGuardOptions(options);
  const logger = config.logger;
  if (config.generatedSecrets.length > 0) {
    logger?.warn(
      { event: 'generated_secrets', secrets: config.generatedSecrets },
      'stepguard generated random secrets for this process (development only): codes and CSRF tokens will not survive a restart or work across nodes',
    );
  }
  warnMemoryDurableStores(config);
  const stores = failClosedStores(buildStores(config));
  const routes = config.sms.routes.length > 0 ? config.sms.routes : [{ provider: new ConsoleSmsProvider({ environment: config.environment, clock: config.clock }) }];
  for (const { provider } of routes) {
    // Providers whose receipts are signed over the URL learn the URL this guard serves them at.
    const withCallback = provider as { setDefaultStatusCallbackUrl?: (url: string) => void };
    withCallback.setDefaultStatusCallbackUrl?.(`${config.appOrigin}${config.http.basePath}/webhooks/${encodeURIComponent(provider.name)}`);
  }
  const sms = createSmsRouter({
    routes,
    backoffSeconds: config.sms.retry.backoffSeconds,
    maxRetryAfterSeconds: config.sms.retry.maxRetryAfterSeconds,
    deadlineMs: config.sms.retry.deadlineSeconds * 1000,
    attemptTimeoutMs: config.sms.providerTimeoutMs,
    clock: config.clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    logger,
  });
  // Every metric call also adds to this node's stats sums, flushed to stores.stats every stats.flushSeconds.
  const baseMetrics = createMetrics({ spend: config.sms.pumping.spend, clock: config.clock });
  const stats = createStatsRecorder({
    store: stores.stats,
    clock: config.clock,
    flushSeconds: config.stats.flushSeconds,
    enabled: config.stats.enabled,
    logger,
    onDropped: (count) => baseMetrics.statsDropped(count),
  });
  const metrics = recordStatsFromMetrics(baseMetrics, stats, config.sms.pumping.spend);
  const pumping = createPumpingGuard({
    config: config.sms.pumping,
    windows: stores.rateLimits,
    counters: stores.counters,
    breakers: stores.breakers,
    clock: config.clock,
    onBreakerOpened: (event) => {
      metrics.breakerOpened({ country: event.country }, event.openSeconds);
      logger?.warn({ event: 'sms_breaker_opened', ...event }, 'Low code conversion: new numbers in this country get no codes for a while');
    },
  });
  // Sinks get each event after the store has it (audit.sinks); null without sinks.
  const auditStream = createAuditStreamFromConfig({ config, metrics, logger });
  const audit = createAuditWriter({
    store: stores.audit,
    key: deriveAuditKey(config.secrets.pepper),
    pepper: config.secrets.pepper,
    clock: config.clock,
    random: config.random,
    retentionDays: config.audit.retentionDays,
    ...(auditStream ? { onAppended: auditStream.publish } : {}),
  });
  const service = createStepGuardService({ config, stores, sms, pumping, metrics, audit, logger, stats });
  const render = createViewRenderer(config);
  const csrf = createCsrf({
    secret: config.secrets.sessionSecret,
    random: config.random,
    reject: (req, res) => void sendError(req, res, render, 'csrf_failed').catch(() => res.end()),
  });
  const errorHandler = createErrorHandler(render, logger);
  const risk = createRiskEngine({ config, stores, audit, onDecision: (action, outcome, reason) => metrics.stepUpDecision({ action, outcome, reason }) });
  // The console's side of the service (support actions, account views): only guard.adminRouter() uses it.
  const operator = createOperatorService({ config, stores, sms, pumping, metrics, audit, logger });
  const internals: GuardInternals = {
    config,
    service,
    risk,
    csrf,
    render,
    logger,
    ensureState: (req, userId) => ensureState(req, userId, config.random),
    errorHandler,
  };

  const firstFactorGate = createFirstFactorGate(service.firstFactor);
  // Errors in the host's own routes stay the host's; only an outage of stepguard's stores is answered here.
  const outageHandler: ErrorRequestHandler = function stepguardOutageHandler(err, req, res, next) {
    if (!isStoreOutage(err)) return next(err);
    errorHandler(err, req, res, next);
  };
  const requireUserId = (req: Request): string => {
    const userId = config.getUserId(req);
    if (!userId) throw new Error('stepguard: no signed-in user on this request (getUserId returned nothing)');
    return userId;
  };

  const recordFirstFactor = async (req: Request, opts?: { upstream?: UpstreamClaims }): Promise<void> => {
    const userId = requireUserId(req);
    // The account's own username, when the host says it: only then may a success clear the count its spelling shares.
    await firstFactorGate.recordSuccess(req, (await config.getIdentity?.(userId))?.username ?? null);
    // A new login is issued under the user's current generation: earlier "sign out everywhere" does not end it.
    const generation = await service.sessionGenerationOf(userId);
    const nowMs = config.clock.nowMs();
    // An upstream sign-in happened when its auth_time says, if earlier: an older time is never a privilege (max_age, auth_time).
    const upstreamAtMs = typeof opts?.upstream?.authTimeSeconds === 'number' && Number.isFinite(opts.upstream.authTimeSeconds) ? opts.upstream.authTimeSeconds * 1000 : nowMs;
    await recordFactor(req, userId, 'pwd', Math.min(nowMs, upstreamAtMs), config.random);
    internals.ensureState(req, userId).generation = generation;
    if (opts?.upstream) await recordUpstreamFactors(req, userId, opts.upstream, nowMs);
    // Whoever signed in knows the password: a device or country new to the account is told to its owner (rate-limited).
    const seen = await risk.signInSignals(req, userId);
    await service.alertNewSignIn({ userId, ...seen, userLocale: config.getUserLocale(req) });
  };
  /**
   * MFA done at a trusted upstream counts as its mapped factors, dated at its auth_time, without
   * an instance (`ref`): enough for ordinary step-ups within their max age, never for high-risk
   * actions or factor changes, which need a factor enrolled here. Accepted or not, audited with the issuer.
   */
  const recordUpstreamFactors = async (req: Request, userId: string, claims: UpstreamClaims, nowMs: number): Promise<void> => {
    const result = upstreamFactors(config.policy.trustedIssuers, claims, nowMs);
    const amr = Array.isArray(claims?.amr) ? claims.amr.slice(0, 10).map(String).join(',').slice(0, 100) : '(malformed)';
    const reasons = [`issuer:${String(claims?.issuer).slice(0, 200)}`, `amr:${amr}`];
    if (!result.ok) {
      await service.audit({ type: 'upstream_mfa_ignored', outcome: 'info', userId, reasons: [...reasons, result.reason], context: requestContext(req) });
      return;
    }
    for (const factor of result.factors) await recordFactor(req, userId, factor, result.atMs, config.random);
    await service.audit({ type: 'upstream_mfa_accepted', outcome: 'success', userId, factor: result.factors.join(','), reasons, context: requestContext(req) });
  };
  const firstFactor: FirstFactor = Object.assign(
    (options?: FirstFactorOptions) =>
      function stepguardFirstFactor(req: Request, _res: Response, next: NextFunction): void {
        let upstream: UpstreamClaims | undefined;
        try {
          upstream = options?.upstream?.(req);
        } catch (err) {
          return next(err);
        }
        recordFirstFactor(req, upstream ? { upstream } : undefined).then(() => next(), next);
      },
    {
      ...firstFactorGate,
      throttle: middlewareFactory('guard.firstFactor.throttle', (usernameOf: (req: Request) => unknown) =>
        function stepguardLoginThrottle(req: Request, res: Response, next: NextFunction): void {
          const username = usernameOf(req);
          // A missing or odd username is still an attempt from this address: counted under one shared name.
          firstFactorGate.check(req, typeof username === 'string' ? username.slice(0, 256) : '').then((gate) => {
            if (gate.ok) return next();
            return sendError(req, res, render, 'too_many_login_attempts', { retryAfterSeconds: gate.retryAfterSeconds });
          }, next);
        }),
    },
  );
  const basePath = config.http.basePath;
  const sessionCheck = createSessionCheck(config, service);

  const guard: StepGuard = {
    config,
    service,
    closeAuditSinks: async (timeoutMs) => {
      await auditStream?.close(timeoutMs);
    },
    close: async (timeoutMs) => {
      await service.flushStats().catch(() => undefined);
      await auditStream?.close(timeoutMs);
    },
    csrf,
    router: middlewareFactory('guard.router', () => mountAtBasePath('guard.router()', basePath, createRouter(internals), [requireSession, sessionCheck])),
    webhooks: middlewareFactory('guard.webhooks', () => mountAtBasePath('guard.webhooks()', `${basePath}/webhooks`, createWebhookRouter(internals))),
    adminRouter: middlewareFactory('guard.adminRouter', (opts: AdminRouterOptions) => createAdminRouter(internals, operator, opts)),
    requireStepUp: middlewareFactory('guard.requireStepUp', (action: string, opts?: RequireStepUpOptions) => createRequireStepUp(internals, action, opts)),
    forwardAuth: middlewareFactory('guard.forwardAuth', (opts?: ForwardAuthOptions) => createForwardAuth(internals, opts)),
    firstFactor: middlewareFactory('guard.firstFactor', firstFactor),
    recordFirstFactor,
    sessionLoading: sessionLoadingHook(service),
    recordSecondFactor: (req, factor, info) => {
      if (!req.res) throw new Error('stepguard: recordSecondFactor needs an Express request (req.res is missing)');
      return finishStepUp(internals, req, req.res, requireUserId(req), {
        factor,
        verifiedAtMs: info?.verifiedAtMs ?? config.clock.nowMs(),
        ...(typeof info?.ref === 'string' ? { ref: info.ref } : {}),
        ...(info?.action ? { action: info.action } : {}),
        remember: info?.remember === true,
      });
    },
    signOut: async (req, opts) => {
      const userId = config.getUserId(req);
      const state = userId ? readState(req, userId) : undefined;
      if (userId && opts?.everywhere) {
        await service.revokeAllSessions({ userId, reason: 'sign_out_everywhere' });
        await service.revokeAllTrustedDevices(userId, 'sign_out_everywhere');
      }
      else if (userId && state) await service.revokeSession({ userId, bindingId: state.bindingId });
      (req as Request & { user?: unknown }).user = undefined;
      if (!req.session) return;
      await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    },
    revokeOtherSessions: async (req, opts) => {
      const userId = requireUserId(req);
      const state = internals.ensureState(req, userId);
      const generation = await service.revokeAllSessions({
        userId,
        reason: opts?.reason ?? 'sign_out_everywhere',
        caller: { bindingId: state.bindingId, generation: state.generation ?? 0 },
      });
      // This session was itself signed out a moment ago: it does not get to survive the others.
      if (generation === null) throw new Error('stepguard: revokeOtherSessions called from a session that is no longer valid');
      await reissueSession(req, userId, generation, config.random);
    },
    sessionInfo: (req) => {
      const userId = config.getUserId(req);
      const state = userId ? readState(req, userId) : undefined;
      if (!userId || !state) return null;
      return { userId, factors: { ...state.factors }, ...deriveAssurance(state.factors) };
    },
    metricsHandler: middlewareFactory('guard.metricsHandler', (opts?: MetricsHandlerOptions) => createMetricsHandler(metrics, opts, { environment: config.environment })),
    errorHandler: middlewareFactory('guard.errorHandler', () => outageHandler),
    listenForAdminCommands: (opts) => listenForAdminCommands(guard, opts),
    strategies: undefined as unknown as StepGuard['strategies'],
  };
  (guard as { strategies: StepGuard['strategies'] }).strategies = {
    smsOtp: new SmsOtpStrategy({ guard }),
    totp: new TotpStrategy({ guard }),
    webauthn: new WebAuthnStrategy({ guard }),
    backupCode: new BackupCodeStrategy({ guard }),
  };
  registerGuardInternals(guard, internals);
  return guard;
}

function buildStores(config: StepGuardConfig): StepGuardStores {
  const choice = config.stores;
  const retention = { stats: { minuteRetentionHours: config.stats.minuteRetentionHours, hourRetentionDays: config.stats.hourRetentionDays } };
  if (choice === 'memory') return createMemoryStores(retention);
  if ('custom' in choice) {
    const missing = missingStorePorts(choice.custom as unknown as Record<string, unknown>);
    if (missing.length > 0) {
      throw new StepGuardConfigError(
        `stores.custom: missing ${missing.map((p) => `"${p}"`).join(', ')}. A custom store set needs every port of StepGuardStores; take the ones you do not implement from createMemoryStores() or createRedisStores() (stepguard/stores), and test yours with describeStoreContract.`,
      );
    }
    // A set from before the stats port counts this node only (documented: README, Operations).
    // Object.create, not a spread: a class-based set keeps its prototype's methods.
    if (choice.custom.stats) return choice.custom as StepGuardStores;
    return Object.create(choice.custom, { stats: { value: new MemoryStatsStore(retention.stats), enumerable: true } }) as StepGuardStores;
  }
  const memory = createMemoryStores(retention);
  const ephemeral = choice.redis ? createRedisStores(choice.redis, choice.keyPrefix, retention) : memory;
  const durable = choice.mongo ? createMongoStores(choice.mongo) : memory;
  const mongo = choice.mongo;
  return combineStores(ephemeral, {
    phones: durable.phones,
    factors: durable.factors,
    enrolment: durable.enrolment,
    audit: choice.audit ?? durable.audit,
    ping: async () => {
      if (!mongo) return;
      if (!mongo.db) throw new Error('MongoDB is not connected');
      await mongo.db.admin().ping();
    },
  });
}

function failClosedStores(stores: StepGuardStores): StepGuardStores {
  return {
    challenges: failClosed(stores.challenges, 'challenges'),
    rateLimits: failClosed(stores.rateLimits, 'rateLimits'),
    counters: failClosed(stores.counters, 'counters'),
    breakers: failClosed(stores.breakers, 'breakers'),
    deliveries: failClosed(stores.deliveries, 'deliveries'),
    approvals: failClosed(stores.approvals, 'approvals'),
    risk: failClosed(stores.risk, 'risk'),
    trustedDevices: failClosed(stores.trustedDevices, 'trustedDevices'),
    firstFactor: failClosed(stores.firstFactor, 'firstFactor'),
    coolOffs: failClosed(stores.coolOffs, 'coolOffs'),
    sessions: failClosed(stores.sessions, 'sessions'),
    recoveries: failClosed(stores.recoveries, 'recoveries'),
    phones: failClosed(stores.phones, 'phones'),
    factors: failClosed(stores.factors, 'factors'),
    enrolment: failClosed(stores.enrolment, 'enrolment'),
    audit: failClosed(stores.audit, 'audit'),
    stats: failClosed(stores.stats, 'stats'),
    ping: failClosed({ ping: stores.ping }, 'stores').ping,
  };
}
