import { resolveLocale } from '../core/messages/resolveLocale';
import express, { type Request, type Response, type Router } from 'express';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { acceptableFactorsFor } from '../core/assurance/evaluateStepUp';
import { LEVELS, type ActionRequirement, type SecondFactorId } from '../core/assurance/types';
import type { ErrorCode } from '../errors';
import type { GuardInternals } from './GuardInternals';
import { packageRoot } from './packageRoot';
import { parseBody } from './parseBody';
import { sendError, wantsHtml } from './respond';
import { safeReturnTo } from './safeReturnTo';
import { forgetFactors, readState, reissueSession } from './sessionState';
import { describeFactor } from './describeFactor';
import { requestContext } from './requestContext';
import type { SessionProof } from '../service/authorizeFactorChange';
import { sessionLive } from './sessionLiveness';
import { readCookie } from './readCookie';
import { createForwardAuth } from './createForwardAuth';
import { mountSmsRoutes } from './smsRoutes';
import { mountContinueRoutes } from './continueRoutes';
import { mountPhoneRoutes } from './phoneRoutes';
import { mountEnrolRoutes } from './enrolRoutes';
import { enrolPageHref } from './enrolmentOffer';
import { mountRecoveryRoutes } from './recoveryRoutes';
import { statusOf, toError, type RouteKit } from './routeKit';
import { signInAgain } from './signInAgain';
import { TOTP_SETUP_TTL_MS, totpAccountNameOf, totpRevealOf } from './totpReveal';
import { finishStepUp, LAST_FACTOR_COOKIE, type CompletedStepUp } from './finishStepUp';
import { sessionProof } from './sessionProof';

const ACTION = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be an action name such as "login"');

/**
 * The plugin's routes (JSON and HTML), mounted by the host at `http.basePath`: the factor
 * choice, `/methods`, `/csrf`, `/assets`, forward-auth, TOTP, passkeys, backup codes and the
 * factor page here; SMS (smsRoutes.ts) and the phone number (phoneRoutes.ts) in their own files.
 * Every state-changing route is CSRF-protected and validates its body.
 */
export function createRouter(internals: GuardInternals): Router {
  const { config, service, csrf, render } = internals;
  const router = express.Router();
  const codeSchema = z
    .string({ error: 'must be a string of digits' })
    .regex(new RegExp(`^\\d{${config.sms.codeLength}}$`), `must be exactly ${config.sms.codeLength} digits`);
  const remember = z.union([z.boolean(), z.literal('on')]).optional();
  const csrfOnly = z.strictObject({ _csrf: z.string().optional() });
  const verifySchema = z.strictObject({ code: codeSchema, remember, _csrf: z.string().optional() });

  // First: a proxy asks this on every request it forwards; it reads no body and sets its own
  // Cache-Control, so it passes no layer it does not need (issue 12).
  router.get('/forward-auth', createForwardAuth(internals));
  // The package exports no subpaths; its entry sits in script/, the UMD bundle in dist/bundle/.
  const webauthnBundle = join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist/bundle/index.umd.min.js');
  router.get('/assets/simplewebauthn-browser.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').sendFile(webauthnBundle);
  });
  router.use('/assets', express.static(join(packageRoot(), 'views', 'assets'), { index: false, fallthrough: false, maxAge: '1h' }));
  // Everything below the static assets may carry a secret (a TOTP secret, backup codes), a code
  // form or a user's factors: never stored by a browser or a shared cache.
  router.use((_req: Request, res: Response, next: () => void) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(express.json({ limit: '16kb' }));
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));

  // The SMS language someone chose (their setting, then Accept-Language); undefined when nobody
  // did, so the service can follow the number's country (sms.localeByCountry).
  const localeOf = (req: Request) =>
    resolveLocale({
      userLocale: config.getUserLocale(req),
      acceptLanguage: req.headers['accept-language'],
      available: Object.keys(config.sms.templates),
      defaultLocale: '',
    }) || undefined;

  const fail = (req: Request, res: Response, code: ErrorCode, details: Record<string, unknown> = {}) =>
    sendError(req, res, render, code, details);

  /** The signed-in user's id, or a 401 / redirect to the login page. */
  const requireUser = (req: Request, res: Response): string | undefined => {
    const userId = config.getUserId(req);
    if (userId) return userId;
    if (wantsHtml(req)) void signInAgain(internals, req, res).catch(() => res.headersSent || res.status(401).end());
    else void fail(req, res, 'unauthenticated');
    return undefined;
  };

  /**
   * The shape every signed-in route shares: a user or 401 / the login page, a valid body or a
   * 400 naming the field, and any thrown error to the error handler (503 for store outages).
   */
  function route<T>(schema: z.ZodType<T> | null, handler: (req: Request, res: Response, userId: string, body: T) => Promise<unknown>) {
    return async function stepguardRoute(req: Request, res: Response, next: (err?: unknown) => void): Promise<void> {
      try {
        const userId = requireUser(req, res);
        if (!userId) return;
        // A revoked session (logout, sign out everywhere) is signed out here, whatever it holds.
        if (!(await sessionLive(service, req, userId))) {
          if (wantsHtml(req)) return void (await signInAgain(internals, req, res, { userId }));
          return void (await fail(req, res, 'unauthenticated'));
        }
        let body = undefined as T;
        if (schema) {
          const parsed = parseBody(schema, req.body);
          if (!parsed.ok) return void (await fail(req, res, 'invalid_request', parsed.details));
          body = parsed.value;
        }
        await handler(req, res, userId, body);
      } catch (err) {
        next(err);
      }
    };
  }

  router.get('/csrf', (req, res) => {
    res.json({ csrfToken: csrf.token(req, res) });
  });

  router.get('/', route(null, async (req, res, userId) => {
      const state = internals.ensureState(req, userId);
      if (req.query.returnTo !== undefined) {
        const returnTo = safeReturnTo(req.query.returnTo, config.http.allowedReturnOrigins);
        if (!returnTo) return void (await fail(req, res, 'invalid_return_to'));
        // A step-up started from a link is for that link: an abandoned guarded form does not come back after it.
        const { continueId: _abandoned, ...pending } = state.pending ?? { action: 'login' };
        state.pending = { ...pending, returnTo };
        delete state.formStash;
      }
      const methods = await describeMethods(req, res, userId, state.pending?.action ?? 'login');
      if (!wantsHtml(req)) return void res.json(methods);
      await renderChoosePage(req, res, 200, methods);
  }));

  /** The factor choice; after a wrong TOTP or backup code it says so next to that form, in that factor's words. */
  async function renderChoosePage(req: Request, res: Response, status: number, methods: Record<string, unknown>, error?: { code: ErrorCode; context: string; details: Record<string, unknown> }) {
    if (error && typeof error.details.retryAfterSeconds === 'number') res.set('Retry-After', String(error.details.retryAfterSeconds));
    res.status(status).type('html').send(await render('choose', { ...methods, error: error ?? null, csrfToken: csrf.token(req, res), basePath: config.http.basePath }, req));
  }
  /** A wrong code for `factor` on the choice page: shown there again, so the user can retry or pick another way. */
  async function failOnChoosePage(req: Request, res: Response, userId: string, context: 'otp' | 'backup', code: ErrorCode, details: Record<string, unknown>) {
    if (!wantsHtml(req)) return void (await fail(req, res, code, details));
    const methods = await describeMethods(req, res, userId, readState(req, userId)?.pending?.action ?? 'login');
    await renderChoosePage(req, res, statusOf(code), methods, { code, context, details });
  }

  router.get('/methods', route(null, async (req, res, userId) => {
      const action = req.query.action === undefined ? readState(req, userId)?.pending?.action ?? 'login' : req.query.action;
      const parsed = ACTION.safeParse(action);
      if (!parsed.success || !config.actions[parsed.data]) {
        return void (await fail(req, res, 'invalid_request', { field: 'action', problem: 'is not a configured action' }));
      }
      res.json(await describeMethods(req, res, userId, parsed.data));
  }));

  const kit: RouteKit = { internals, router, route, fail, localeOf, describeMethods, completeStepUp, proofOf, afterChange, refuseChange, verifySchema, csrfOnly, codeSchema };
  mountSmsRoutes(kit);
  mountContinueRoutes(kit);
  mountEnrolRoutes(kit);

  const totpSchema = z.strictObject({
    code: z.string({ error: 'must be a string of digits' }).regex(/^\d{6}$/, 'must be exactly 6 digits'),
    remember,
    _csrf: z.string().optional(),
  });
  const backupSchema = z.strictObject({
    code: z.string({ error: 'must be a string' }).min(16, 'is too short').max(40, 'is too long'),
    remember,
    _csrf: z.string().optional(),
  });

  /** A second factor succeeded: finish the step-up (the same function the strategies use) and send the user on. */
  function proofOf(req: Request, res: Response, userId: string): Promise<SessionProof> {
    return sessionProof(internals, req, res, userId);
  }

  async function completeStepUp(req: Request, res: Response, userId: string, done: CompletedStepUp) {
    const finished = await finishStepUp(internals, req, res, userId, done);
    const next = finished.continueId ? `${config.http.basePath}/continue/${finished.continueId}` : finished.returnTo;
    // Another sign-in method to offer first: a short page on the way (enrolRoutes.ts); JSON clients read `enrolment`.
    if (wantsHtml(req) && finished.enrolment) return void res.redirect(303, enrolPageHref(config.http.basePath, next, finished.enrolment));
    if (wantsHtml(req)) return void res.redirect(303, next ?? '/');
    // The session id changed with the level, and the CSRF token is bound to the session: hand over the new one.
    const { factor, action, acr, amr, remembered, returnTo, enrolment } = finished;
    res.json({ verified: true, factor, action, acr, amr, remembered, csrfToken: csrf.token(req, res), ...(returnTo ? { returnTo } : {}), ...(enrolment ? { enrolment } : {}) });
  }

  /**
   * After a change: a removal or a new number revoked the user's other sessions — this one takes
   * the new generation and stays; a removed factor stops counting in this session too.
   */
  async function afterChange(req: Request, userId: string, result: { sessionGeneration?: number | null }, removedRef?: string) {
    const state = internals.ensureState(req, userId);
    if (removedRef) forgetFactors(state, (_factor, ref) => ref !== removedRef);
    delete state.risk;
    if (result.sessionGeneration !== undefined && result.sessionGeneration !== null) {
      await reissueSession(req, userId, result.sessionGeneration, config.random);
    }
  }

  /**
   * A change the binding rule refused: a browser is sent to step up (or to sign in again) and
   * brought back; an API client gets the error (401 fresh_factor_required / fresh_password_required, 409 last_factor).
   */
  async function refuseChange(req: Request, res: Response, userId: string, reason: string, back = `${config.http.basePath}/factors`) {
    const code = toError({ ok: false, reason }).code;
    if (wantsHtml(req) && code === 'fresh_factor_required') {
      internals.ensureState(req, userId).pending = { action: 'factor_change', returnTo: back };
      return void res.redirect(303, `${config.http.basePath}?returnTo=${encodeURIComponent(back)}`);
    }
    if (wantsHtml(req) && code === 'fresh_password_required') {
      return void (await signInAgain(internals, req, res, { code, returnTo: back, userId }));
    }
    await fail(req, res, code);
  }

  router.get('/factors', route(null, async (req, res, userId) => {
      const view = await factorsView(userId);
      if (!wantsHtml(req)) return void res.json(view);
      // A setup still waiting for its first code is shown again (a reload is no dead end).
      const setup = readState(req, userId)?.totpSetup;
      const pendingSetup = setup && config.clock.nowMs() - setup.startedAtMs <= TOTP_SETUP_TTL_MS ? await totpRevealOf(config, setup.sealedSecret, await totpAccountNameOf(config, userId)) : null;
      await renderFactorsPage(req, res, 200, { ...view, totpSetup: pendingSetup });
  }));

  router.post('/totp/setup', csrf.protect, route(csrfOnly, async (req, res, userId, _body) => {
      const setup = await service.beginTotpEnrolment({ userId, accountName: await totpAccountNameOf(config, userId), proof: await proofOf(req, res, userId) });
      if (!setup.ok) return void (await refuseChange(req, res, userId, setup.reason));
      internals.ensureState(req, userId).totpSetup = { sealedSecret: setup.sealedSecret, startedAtMs: config.clock.nowMs() };
      const reveal = { otpauthUri: setup.otpauthUri, qrCode: setup.qrCodeDataUrl, secret: setup.secret };
      if (!wantsHtml(req)) return void res.status(201).json(reveal);
      await renderFactorsPage(req, res, 201, { ...(await factorsView(userId)), totpSetup: reveal });
  }));

  router.post('/totp/confirm', csrf.protect, route(totpSchema, async (req, res, userId, body) => {
      const state = internals.ensureState(req, userId);
      const setup = state.totpSetup;
      if (!setup || config.clock.nowMs() - setup.startedAtMs > TOTP_SETUP_TTL_MS) {
        if (wantsHtml(req)) return void (await renderFactorsPage(req, res, statusOf('no_setup'), { ...(await factorsView(userId)), error: { code: 'no_setup' } }));
        return void (await fail(req, res, 'no_setup'));
      }
      const result = await service.confirmTotpEnrolment({ userId, sealedSecret: setup.sealedSecret, code: body.code, pendingResync: setup.pendingResync ?? null, proof: await proofOf(req, res, userId), context: requestContext(req) });
      if (!result.ok) {
        // A clock that is off waits for its next code; any other answer starts the resync over.
        if (result.reason === 'resync_needed') setup.pendingResync = result.pendingResync;
        else delete setup.pendingResync;
        // The setup stays in the session until it expires: a wrong first code shows the same QR code again.
        if ((result.reason === 'invalid_code' || result.reason === 'resync_needed') && wantsHtml(req)) {
          const reveal = await totpRevealOf(config, setup.sealedSecret, await totpAccountNameOf(config, userId));
          return void (await renderFactorsPage(req, res, statusOf(result.reason), { ...(await factorsView(userId)), totpSetup: reveal, error: { code: result.reason, context: 'otp' } }));
        }
        if (result.reason === 'invalid_code' || result.reason === 'resync_needed') return void (await fail(req, res, result.reason));
        return void (await refuseChange(req, res, userId, result.reason));
      }
      delete state.totpSetup;
      await afterChange(req, userId, {});
      if (wantsHtml(req)) return res.redirect(303, `${config.http.basePath}/factors`);
      res.status(201).json({ enrolled: true, factor: 'otp' });
  }));

  router.post('/totp/verify', csrf.protect, route(totpSchema, async (req, res, userId, body) => {
      const result = await service.verifyTotp({ userId, code: body.code, context: requestContext(req) });
      if (!result.ok) return void (await failOnChoosePage(req, res, userId, 'otp', toError(result).code, toError(result).details));
      await completeStepUp(req, res, userId, { factor: 'otp', verifiedAtMs: result.verifiedAtMs, ref: result.ref, remember: Boolean(body.remember) });
  }));

  router.post('/backup-codes', csrf.protect, route(csrfOnly, async (req, res, userId, _body) => {
      const result = await service.regenerateBackupCodes({ userId, proof: await proofOf(req, res, userId), context: requestContext(req) });
      if (!result.ok) return void (await refuseChange(req, res, userId, result.reason));
      const { codes } = result;
      await afterChange(req, userId, {});
      if (!wantsHtml(req)) return void res.status(201).json({ codes, remaining: codes.length });
      await renderFactorsPage(req, res, 201, { ...(await factorsView(userId)), newBackupCodes: codes });
  }));

  router.post('/backup-codes/verify', csrf.protect, route(backupSchema, async (req, res, userId, body) => {
      const result = await service.verifyBackupCode({ userId, code: body.code, context: requestContext(req) });
      if (!result.ok) {
        const { code, details } = toError(result);
        return void (await failOnChoosePage(req, res, userId, 'backup', code, code === 'invalid_request' ? { field: 'code', problem: 'is not a backup code (16 letters and digits)' } : details));
      }
      await completeStepUp(req, res, userId, { factor: 'backup', verifiedAtMs: result.verifiedAtMs, ref: result.ref, remember: Boolean(body.remember) });
  }));

  const credentialSchema = z
    .object({
      id: z.string().min(1).max(1024),
      rawId: z.string().min(1).max(1024),
      type: z.literal('public-key'),
      response: z.record(z.string(), z.unknown()),
    })
    .passthrough();
  const registrationSchema = z.strictObject({ response: credentialSchema, nickname: z.string().trim().min(1).max(40).optional(), _csrf: z.string().optional() });
  const authenticationSchema = z.strictObject({ response: credentialSchema, remember, _csrf: z.string().optional() });
  const nicknameSchema = z.strictObject({ nickname: z.string().trim().min(1, 'is required').max(40), _csrf: z.string().optional() });
  const factorId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

  router.post('/webauthn/registration/options', csrf.protect, route(null, async (req, res, userId) => {
      const state = internals.ensureState(req, userId);
      const result = await service.beginPasskeyRegistration({ userId, bindingId: state.bindingId, userName: userId, proof: await proofOf(req, res, userId) });
      if (!result.ok) return void (await refuseChange(req, res, userId, result.reason));
      res.json(result.options);
  }));

  router.post('/webauthn/registration/verify', csrf.protect, route(registrationSchema, async (req, res, userId, body) => {
      const state = internals.ensureState(req, userId);
      const result = await service.finishPasskeyRegistration({
        userId,
        bindingId: state.bindingId,
        response: body.response as never,
        nickname: body.nickname ?? 'Passkey',
        proof: await proofOf(req, res, userId),
        context: requestContext(req),
      });
      if (!result.ok) {
        if (result.reason === 'webauthn_failed') return void (await fail(req, res, 'webauthn_failed'));
        return void (await refuseChange(req, res, userId, result.reason));
      }
      await afterChange(req, userId, {});
      res.status(201).json({ enrolled: true, factorId: result.factorId });
  }));

  router.post('/webauthn/authentication/options', csrf.protect, route(null, async (req, res, userId) => {
      const state = internals.ensureState(req, userId);
      const options = await service.beginPasskeyAuthentication({ userId, bindingId: state.bindingId });
      if (!options) return void (await fail(req, res, 'not_enrolled'));
      res.json(options);
  }));

  router.post('/webauthn/authentication/verify', csrf.protect, route(authenticationSchema, async (req, res, userId, body) => {
      const state = internals.ensureState(req, userId);
      const result = await service.finishPasskeyAuthentication({ userId, bindingId: state.bindingId, response: body.response as never, context: requestContext(req) });
      if (!result.ok) return void (await fail(req, res, toError(result).code, toError(result).details));
      await completeStepUp(req, res, userId, { factor: result.factor, verifiedAtMs: result.verifiedAtMs, ref: result.ref, remember: Boolean(body.remember) });
  }));


  /** Factor management routes share this shape: signed in, valid body, a service call, then JSON or back to the page. */
  const manage = (
    schema: z.ZodType<Record<string, unknown>>,
    run: (req: Request, res: Response, userId: string, body: Record<string, unknown>) => Promise<({ ok: true } & Record<string, unknown>) | ({ ok: false; reason: string } & Record<string, unknown>)>,
  ) =>
    route(schema, async (req, res, userId, body) => {
      if (!factorId.safeParse(req.params.id ?? 'all').success) {
        return void (await fail(req, res, 'invalid_request', { field: 'id', problem: 'is not a factor id' }));
      }
      const result = await run(req, res, userId, body);
      if (!result.ok) return void (await refuseChange(req, res, userId, result.reason));
      await afterChange(req, userId, result as { sessionGeneration?: number | null }, typeof result.removedRef === 'string' ? result.removedRef : undefined);
      if (wantsHtml(req)) return res.redirect(303, `${config.http.basePath}/factors`);
      // The session may have a new id (others were signed out): hand over its CSRF token.
      res.json({ ok: true, csrfToken: csrf.token(req, res) });
    });

  router.post('/factors/:id/remove', csrf.protect, manage(csrfOnly, async (req, res, userId) => {
    const factorId = String(req.params.id);
    const result = await service.removeFactor({ userId, factorId, proof: await proofOf(req, res, userId), context: requestContext(req) });
    return result.ok ? { ...result, removedRef: factorId } : result;
  }));
  router.post('/factors/:id/rename', csrf.protect, manage(nicknameSchema, async (req, _res, userId, body) =>
    (await service.renameFactor(userId, String(req.params.id), String(body.nickname))) ? { ok: true } : { ok: false, reason: 'not_enrolled' },
  ));
  router.post('/trusted-devices/:id/revoke', csrf.protect, manage(csrfOnly, async (req, res, userId) => {
    const result = await service.forgetTrustedDevices({ userId, deviceId: String(req.params.id), proof: await proofOf(req, res, userId), context: requestContext(req) });
    return result.ok && result.removed === 0 ? { ok: false, reason: 'not_found' } : result;
  }));
  router.post('/trusted-devices/revoke-all', csrf.protect, manage(csrfOnly, async (req, res, userId) =>
    service.forgetTrustedDevices({ userId, proof: await proofOf(req, res, userId), context: requestContext(req) }),
  ));
  // "Sign out everywhere else": every other session of the user (and remembered device) ends
  // now; this one stays, under a new id, so a copy of its cookie ends too.
  router.post('/sessions/revoke-all', csrf.protect, manage(csrfOnly, async (req, res, userId) => {
    const state = internals.ensureState(req, userId);
    const result = await service.signOutEverywhereElse({
      userId,
      proof: await proofOf(req, res, userId),
      caller: { bindingId: state.bindingId, generation: state.generation ?? 0 },
      context: requestContext(req),
    });
    return result.ok ? { ok: true, sessionGeneration: result.generation } : result;
  }));

  async function factorsView(userId: string) {
    const factors = await service.listFactors(userId);
    const backup = factors.find((f) => f.type === 'backup_codes');
    return {
      phone: await service.maskedPhoneOf(userId),
      totp: factors.filter((f) => f.type === 'totp').map((f) => ({ id: f.id, label: f.label, createdAt: new Date(f.createdAtMs).toISOString(), lastUsedAt: f.lastUsedAtMs ? new Date(f.lastUsedAtMs).toISOString() : null })),
      passkeys: factors
        .filter((f) => f.type === 'webauthn')
        .map((f) => ({ id: f.id, label: f.label, synced: Boolean(f.data.backedUp), createdAt: new Date(f.createdAtMs).toISOString(), lastUsedAt: f.lastUsedAtMs ? new Date(f.lastUsedAtMs).toISOString() : null })),
      trustedDevices: (await service.listTrustedDevices(userId)).map((d) => ({ id: d.id, label: d.label, createdAt: new Date(d.createdAtMs).toISOString(), expiresAt: new Date(d.expiresAtMs).toISOString() })),
      backupCodesRemaining: backup && Array.isArray(backup.data.hashes) ? backup.data.hashes.length : null,
    };
  }

  async function renderFactorsPage(req: Request, res: Response, status: number, view: Record<string, unknown>) {
    res.status(status).type('html').send(await render('factors', { totpSetup: null, newBackupCodes: null, error: null, ...view, csrfToken: csrf.token(req, res), basePath: config.http.basePath }, req));
  }

  mountPhoneRoutes(kit);
  mountRecoveryRoutes(kit);

  router.use((req: Request, res: Response) => void fail(req, res, 'not_found'));
  router.use(internals.errorHandler);

  /** What the user can use for `action` now, what not and why: the policy decision in words. */
  async function describeMethods(req: Request, res: Response, userId: string, action: string) {
    const requirement = config.actions[action] ?? (config.actions.login as ActionRequirement);
    const state = readState(req, userId);
    const pendingTx = state?.pending?.action === action ? state.pending.transaction : undefined;
    const decision = await internals.risk.decide(req, res, userId, action, pendingTx);
    // A pending step-up may ask for more than the action does (an OpenID Connect client's acr_values).
    const pendingLevel = state?.pending?.action === action ? state.pending.level : undefined;
    const level = pendingLevel && LEVELS.indexOf(pendingLevel) > LEVELS.indexOf(decision.level) ? pendingLevel : decision.level;
    const acceptable = decision.outcome === 'deny' ? [] : acceptableFactorsFor({ ...requirement, level, factors: decision.acceptableFactors });
    const maskedPhone = await service.maskedPhoneOf(userId);
    const enrolled: SecondFactorId[] = (await service.listEnrolledFactors(userId));
    const reasons = decision.reasons.map((r) => r.text);
    const last = readCookie(req, LAST_FACTOR_COOKIE);
    const preferred = acceptable.find((f) => f === last && enrolled.includes(f)) ?? null;
    const ordered = preferred ? [preferred, ...acceptable.filter((f) => f !== preferred)] : acceptable;
    return {
      preferred,
      action,
      outcome: decision.outcome,
      acceptableFactors: acceptable,
      enrolledFactors: enrolled,
      available: ordered
        .filter((f) => enrolled.includes(f))
        .map((f) => ({ factor: f, label: describeFactor(f), ...(f === 'sms' && maskedPhone ? { to: maskedPhone } : {}) })),
      notOffered: enrolled
        .filter((f) => !acceptable.includes(f))
        .map((f) => ({ factor: f, label: describeFactor(f), why: `${describeFactor(f)} is not enough for this action.` })),
      reasons,
    };
  }

  return router;
}



