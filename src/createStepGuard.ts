import type { ErrorRequestHandler, Request, RequestHandler, Router } from 'express';
import { parseStepGuardOptions, type StepGuardConfig, type StepGuardOptions } from './config';
import { deriveAssurance, type Assurance } from './core/assurance/deriveAssurance';
import type { FactorId, FactorTimes } from './core/assurance/types';
import { createCsrf, type Csrf } from './http/csrf';
import { createErrorHandler } from './http/createErrorHandler';
import { createFirstFactorGate, type FirstFactorGate } from './http/createFirstFactorGate';
import { createRouter } from './http/createRouter';
import { createForwardAuth, type ForwardAuthOptions } from './http/createForwardAuth';
import type { GuardInternals } from './http/GuardInternals';
import { createViewRenderer } from './http/renderView';
import { sendError } from './http/respond';
import { createRequireStepUp, type RequireStepUpOptions } from './http/requireStepUp';
import { ensureState, readState, recordFactor, reissueSession } from './http/sessionState';
import { createSessionCheck } from './http/sessionLiveness';
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
import { createRiskEngine } from './risk/createRiskEngine';
import { deriveAuditKey } from './core/audit/auditChain';
import { createRedisStores } from './stores/redis/createRedisStores';
import type { StepGuardStores } from './stores/types';
import { combineStores } from './stores/combineStores';
import { SmsOtpStrategy } from '../strategies/SmsOtpStrategy';
import { TotpStrategy } from '../strategies/TotpStrategy';
import { WebAuthnStrategy } from '../strategies/WebAuthnStrategy';
import { BackupCodeStrategy } from '../strategies/BackupCodeStrategy';

export type StepGuard = {
  readonly config: StepGuardConfig;
  readonly service: StepGuardService;
  /** The JSON + HTML routes; mount at `http.basePath` (default `/auth/2fa`). */
  router(): Router;
  /** The SSO-gateway check (nginx auth_request, Traefik forwardAuth); also at `<basePath>/forward-auth`. */
  forwardAuth(options?: ForwardAuthOptions): RequestHandler;
  /** Guards a route by action (see `policy.actions`). */
  requireStepUp(action: string, options?: RequireStepUpOptions): RequestHandler;
  /**
   * Call right after the first factor succeeded (e.g. in the password login route). When
   * `firstFactor.check` ran for this request, it also clears the account's failure count.
   */
  recordFirstFactor(req: Request): Promise<void>;
  /** Password-guessing throttle for the host's login route: `check` before, `recordFailure` after a wrong password. */
  readonly firstFactor: FirstFactorGate;
  /**
   * Writes a successful second factor into the session (for host routes using the strategies):
   * pass the strategy's `info` (it names the instance verified, `ref`); without it the factor
   * counts for ordinary step-ups but not for high-risk actions or factor changes.
   */
  recordSecondFactor(req: Request, factor: Exclude<FactorId, 'pwd'>, info?: { ref?: unknown }): Promise<void>;
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
  /**
   * Middleware after `passport.session()`: a revoked session continues as signed out (its
   * data replaced by an empty session), so `req.user` never comes from a dead session.
   */
  sessionCheck(): RequestHandler;
  /** `acr`, `amr`, auth time and per-factor times of the signed-in user's session. */
  sessionInfo(req: Request): (Assurance & { userId: string; factors: FactorTimes }) | null;
  /** CSRF: `token(req, res)` for pages and clients, `protect` middleware for state-changing routes. */
  readonly csrf: Csrf;
  /**
   * Delivery receipts (`POST /:provider`). Mount at `<basePath>/webhooks` before any body
   * parser and CSRF middleware: signatures cover the raw body.
   */
  webhooks(): Router;
  /** Prometheus metrics for `GET /metrics`; in production it refuses to be built without `bearerToken` unless `{ public: true }`. */
  metricsHandler(options?: MetricsHandlerOptions): RequestHandler;
  /** Error middleware that answers `{ error: { code, message } }`, `503` for store outages. */
  errorHandler(): ErrorRequestHandler;
  /** Passport strategies, ready for `passport.use()`. */
  readonly strategies: { smsOtp: SmsOtpStrategy; totp: TotpStrategy; webauthn: WebAuthnStrategy; backupCode: BackupCodeStrategy };
};

/**
 * Builds a guard: validates options (throwing StepGuardConfigError with the option's name),
 * wires the stores and SMS provider to the service, and returns the middleware and routes.
 *
 * @example
 * const guard = createStepGuard({ stores: { redis }, secrets: { pepper, sessionSecret } });
 * app.use('/auth/2fa', guard.router());
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
  const metrics = createMetrics();
  const pumping = createPumpingGuard({
    config: config.sms.pumping,
    windows: stores.rateLimits,
    counters: stores.counters,
    breakers: stores.breakers,
    clock: config.clock,
    onBreakerOpened: (event) => {
      metrics.breakerOpened({ country: event.country });
      logger?.warn({ event: 'sms_breaker_opened', ...event }, 'Low code conversion: new numbers in this country get no codes for a while');
    },
  });
  const audit = createAuditWriter({
    store: stores.audit,
    key: deriveAuditKey(config.secrets.pepper),
    pepper: config.secrets.pepper,
    clock: config.clock,
    random: config.random,
    retentionDays: config.audit.retentionDays,
  });
  const service = createStepGuardService({ config, stores, sms, pumping, metrics, audit, logger });
  const render = createViewRenderer(config.http.viewsDirectory);
  const csrf = createCsrf({
    secret: config.secrets.sessionSecret,
    random: config.random,
    reject: (req, res) => void sendError(req, res, render, 'csrf_failed').catch(() => res.end()),
  });
  const errorHandler = createErrorHandler(render, logger);
  const risk = createRiskEngine({ config, stores, audit, onDecision: (action, outcome) => metrics.stepUpDecision({ action, outcome }) });
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

  const firstFactor = createFirstFactorGate(service.firstFactor);
  const requireUserId = (req: Request): string => {
    const userId = config.getUserId(req);
    if (!userId) throw new Error('stepguard: no signed-in user on this request (getUserId returned nothing)');
    return userId;
  };

  const guard: StepGuard = {
    config,
    service,
    csrf,
    router: () => createRouter(internals),
    requireStepUp: (action, opts) => createRequireStepUp(internals, action, opts),
    forwardAuth: (opts) => createForwardAuth(internals, opts),
    firstFactor,
    recordFirstFactor: async (req) => {
      const userId = requireUserId(req);
      await firstFactor.recordSuccess(req);
      // A new login is issued under the user's current generation: earlier "sign out everywhere" does not end it.
      const generation = await service.sessionGenerationOf(userId);
      await recordFactor(req, userId, 'pwd', config.clock.nowMs(), config.random);
      internals.ensureState(req, userId).generation = generation;
    },
    recordSecondFactor: (req, factor, info) =>
      recordFactor(req, requireUserId(req), factor, config.clock.nowMs(), config.random, typeof info?.ref === 'string' ? info.ref : undefined),
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
    sessionCheck: () => createSessionCheck(config, service),
    sessionInfo: (req) => {
      const userId = config.getUserId(req);
      const state = userId ? readState(req, userId) : undefined;
      if (!userId || !state) return null;
      return { userId, factors: { ...state.factors }, ...deriveAssurance(state.factors) };
    },
    webhooks: () => createWebhookRouter(internals),
    metricsHandler: (opts) => createMetricsHandler(metrics, opts, { environment: config.environment }),
    errorHandler: () => errorHandler,
    strategies: undefined as unknown as StepGuard['strategies'],
  };
  (guard as { strategies: StepGuard['strategies'] }).strategies = {
    smsOtp: new SmsOtpStrategy({ guard }),
    totp: new TotpStrategy({ guard }),
    webauthn: new WebAuthnStrategy({ guard }),
    backupCode: new BackupCodeStrategy({ guard }),
  };
  return guard;
}

function buildStores(config: StepGuardConfig): StepGuardStores {
  const choice = config.stores;
  if (choice === 'memory') return createMemoryStores();
  if ('custom' in choice) return choice.custom;
  const memory = createMemoryStores();
  const ephemeral = choice.redis ? createRedisStores(choice.redis, choice.keyPrefix) : memory;
  const durable = choice.mongo ? createMongoStores(choice.mongo) : memory;
  const mongo = choice.mongo;
  return combineStores(ephemeral, {
    phones: durable.phones,
    factors: durable.factors,
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
    phones: failClosed(stores.phones, 'phones'),
    factors: failClosed(stores.factors, 'factors'),
    audit: failClosed(stores.audit, 'audit'),
    ping: failClosed({ ping: stores.ping }, 'stores').ping,
  };
}
