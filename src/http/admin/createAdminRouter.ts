import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { oneLineTextProblem } from '../../core/admin/oneLineTextProblem';
import { summarizeOverview, type Overview, type OverviewBucket } from '../../core/stats/summarizeOverview';
import { breakerStatesFrom, type BreakerState } from '../../core/stats/breakerStatesFrom';
import { errorBody, type ErrorCode } from '../../errors';
import type { OperatorService } from '../../service/createOperatorService';
import type { RequestContext } from '../../audit/createAuditWriter';
import type { GuardInternals } from '../GuardInternals';
import { packageRoot } from '../packageRoot';
import { parseBody } from '../parseBody';
import { requestContext } from '../requestContext';
import { newRandomId } from '../../core/random';
import { sendError, wantsHtml } from '../respond';
import { safeReturnTo } from '../safeReturnTo';
import { loginHref } from '../loginHref';
import { requireSession } from '../requireSession';
import { sessionLive } from '../sessionLiveness';
import { stepUpChallengeHeader } from '../assessStepUp';
import { ADMIN_ACTION, assessOperatorStepUp } from './assessOperatorStepUp';
import { parseAdminRouterOptions, type AdminRouterOptions } from './adminRouterOptions';

/** Reads stats buckets (the service flushes this node's buffer first). */
type ReadStats = (fromMs: number, toMs: number, resolution: 'minute' | 'hour') => Promise<readonly OverviewBucket[]>;

const RANGES = {
  '1h': { ms: 3600_000, resolution: 'minute' },
  '24h': { ms: 86_400_000, resolution: 'hour' },
  '7d': { ms: 7 * 86_400_000, resolution: 'hour' },
} as const;
type RangeName = keyof typeof RANGES;

const OPERATOR_ID = /^[\w.@:-]{1,128}$/;
const USER_ID = z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'must be a user id (letters, digits and ._:@-, at most 128)');
const QUERY = z.string().trim().min(1, 'is required').max(128, 'is too long').regex(/^[^\p{Cc}]+$/u, 'may not contain control characters');
/** Why an operator acted: required, kept in the audit record (bounded, one line). */
const REASON = z
  .string({ error: 'is required: say why (a ticket number, what the user asked)' })
  .trim()
  .min(3, 'is required: say why (at least 3 characters)')
  .max(500, 'is too long (at most 500 characters)')
  // One rule for every path a reason takes (console, command channel, service): src/core/admin/oneLineTextProblem.
  .superRefine((text, zctx) => {
    const problem = oneLineTextProblem(text);
    if (problem) zctx.addIssue({ code: 'custom', message: problem });
  });
const csrfField = z.string().max(200).optional();
/** What a support action says it did on the page it returns to (`?done=`). */
const DONE = ['factor_reset', 'unlocked', 'access_revoked'];
const resetSchema = z.strictObject({ factor: z.enum(['sms', 'totp', 'webauthn', 'backup_codes'], { error: 'must be one of sms, totp, webauthn, backup_codes' }), reason: REASON, _csrf: csrfField });
const reasonOnly = z.strictObject({ reason: REASON, _csrf: csrfField });

/** Assets with the version in their path: cached for a year, immutable. */
const UPLOT_VERSION = (require('uplot/package.json') as { version: string }).version;
const LONG_CACHE = 'public, max-age=31536000, immutable';
/** The console's pages load only their own scripts and styles: no inline script, nothing from elsewhere. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The support desk's console, mounted by the host where it likes (`app.use('/admin/2fa',
 * guard.adminRouter({ authorize }))`) after session and passport: the host's `authorize`
 * says who is an operator (not signed in: the sign-in flow; not an operator: 403); stepguard
 * then wants the operator's own fresh step-up (a passkey by default) through the factor page,
 * like any guarded route. Every POST is CSRF-checked, needs a reason, and goes through the
 * service, audited as `admin:<operator id>`.
 */
export function createAdminRouter(internals: GuardInternals, operator: OperatorService, rawOptions: AdminRouterOptions): Router {
  const { config, csrf, render } = internals;
  // The service flushes this node's sums first, so the page shows what happened up to now.
  const readStats: ReadStats = (fromMs, toMs, resolution) => internals.service.readStats({ fromMs, toMs, resolution });
  const options = parseAdminRouterOptions(rawOptions, (config.actions[ADMIN_ACTION]?.maxAgeSeconds ?? 900));
  const router = express.Router();
  const uplotDir = join(dirname(require.resolve('uplot/package.json')), 'dist');
  const assetsDir = join(packageRoot(), 'views', 'assets');
  const asset = (path: string, file: string, type: string) =>
    router.get(path, (_req, res) => void res.set('Cache-Control', LONG_CACHE).type(type).sendFile(file));
  asset(`/assets/uplot-${UPLOT_VERSION}.min.js`, join(uplotDir, 'uPlot.iife.min.js'), 'application/javascript');
  asset(`/assets/uplot-${UPLOT_VERSION}.min.css`, join(uplotDir, 'uPlot.min.css'), 'text/css');
  // Ours change with the package: an hour, like the guard's own assets.
  router.get('/assets/stepguard-admin.js', (_req, res) => void res.set('Cache-Control', 'public, max-age=3600').sendFile(join(assetsDir, 'stepguard-admin.js')));
  router.get('/assets/stepguard-admin.css', (_req, res) => void res.set('Cache-Control', 'public, max-age=3600').sendFile(join(assetsDir, 'stepguard-admin.css')));

  router.use(requireSession);
  router.use((req: Request, res: Response, next: NextFunction) => {
    // Every console request has an id for its audit records (what a review quotes to find the
    // connection): the proxy's X-Request-Id when it sent a sane one, else one of ours, sent back.
    const context = requestContext(req);
    const requestId = context.requestId ?? `sg-${newRandomId(config.random)}`;
    res.locals.stepguardAdminContext = { ...context, requestId };
    res.set('X-Request-Id', requestId);
    res.set('Cache-Control', 'no-store');
    res.set('Content-Security-Policy', CSP);
    res.set('X-Frame-Options', 'DENY');
    res.set('Referrer-Policy', 'same-origin');
    next();
  });
  router.use(express.json({ limit: '8kb' }));
  router.use(express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }));

  const contextOf = (res: Response): RequestContext => res.locals.stepguardAdminContext as RequestContext;
  const fail = (req: Request, res: Response, code: ErrorCode, details: Record<string, unknown> = {}) => sendError(req, res, render, code, details);

  /** Who may be here: signed in (else the sign-in flow), an operator (else 403), stepped up (else the factor page). */
  router.use(async function stepguardOperatorGate(req: Request, res: Response, next: NextFunction) {
    try {
      // After a step-up or sign-in a refused form's page comes back (its fields do not: the operator types the reason again).
      const formPage = `${req.baseUrl}${/^\/users\/[^/]+/.exec(req.path)?.[0] ?? '/'}`;
      const here = safeReturnTo(req.method === 'GET' ? req.originalUrl : formPage, config.http.allowedReturnOrigins) ?? undefined;
      const userId = config.getUserId(req);
      const signIn = async () => {
        if (wantsHtml(req)) return void res.redirect(303, loginHref(config.pages.links.login, here));
        await fail(req, res, 'unauthenticated');
      };
      // A revoked session (logout, sign out everywhere, an operator's revocation) is nobody, operator or not.
      if (!userId || !(await sessionLive(internals.service, req, userId))) return void (await signIn());
      let authorized = false;
      try {
        authorized = (await options.authorize(req)) === true;
      } catch (err) {
        internals.logger?.error({ event: 'admin_authorize_failed', err: (err as Error)?.message }, 'adminRouter authorize() threw: refused');
      }
      if (!authorized) {
        await internals.service.audit({ type: 'admin_access_refused', outcome: 'blocked', userId, action: ADMIN_ACTION, reasons: ['not_an_operator'], context: contextOf(res) });
        return void (await fail(req, res, 'access_denied', { action: ADMIN_ACTION }));
      }
      const assessment = await assessOperatorStepUp(internals, req, res, userId, { requireAssurance: options.requireAssurance, maxAgeSeconds: options.maxAgeSeconds, firstFactorWaitSeconds: options.firstFactorWaitSeconds });
      if (assessment.ok) {
        // The id written into audit records: the host's, when it gives a sane one, else the user id.
        const given = options.operatorIdOf?.(req);
        res.locals.stepguardOperator = { userId, operatorId: typeof given === 'string' && OPERATOR_ID.test(given) ? given : userId };
        return next();
      }
      if (assessment.kind === 'unauthenticated') return void (await signIn());
      if (assessment.kind === 'deny') return void (await fail(req, res, 'access_denied', { action: ADMIN_ACTION, reasons: assessment.reasons }));
      if (assessment.kind === 'first_factor_waiting') {
        // Audited: during the wait, someone with the password alone trying the console is what the owner should see.
        await internals.service.audit({ type: 'admin_access_refused', outcome: 'blocked', userId, action: ADMIN_ACTION, reasons: ['first_factor_waiting'], context: contextOf(res) });
        return void (await fail(req, res, 'access_denied', { action: ADMIN_ACTION, reasons: [assessment.reason] }));
      }
      const state = internals.ensureState(req, userId);
      delete state.formStash;
      state.pending = { action: ADMIN_ACTION, level: assessment.requirement.level, ...(here ? { returnTo: here } : {}) };
      await internals.service.audit({ type: 'step_up_required', outcome: 'info', userId, action: ADMIN_ACTION, reasons: [assessment.reason], context: contextOf(res) });
      const factorPage = config.http.basePath;
      if (wantsHtml(req)) return void res.redirect(303, here ? `${factorPage}?returnTo=${encodeURIComponent(here)}` : factorPage);
      res
        .status(401)
        .set('WWW-Authenticate', stepUpChallengeHeader(assessment.requirement))
        .json(
          errorBody('insufficient_user_authentication', {
            action: ADMIN_ACTION,
            acrValues: [assessment.requirement.level],
            maxAgeSeconds: assessment.requirement.maxAgeSeconds,
            acceptableFactors: [...assessment.requirement.factors],
            methods: `${factorPage}/methods`,
          }),
        );
    } catch (err) {
      next(err);
    }
  });

  const operatorOf = (res: Response) => res.locals.stepguardOperator as { userId: string; operatorId: string };
  const page = async (req: Request, res: Response, status: number, view: string, data: Record<string, unknown>) => {
    res.status(status).type('html').send(
      await render(view, { ...data, adminBase: req.baseUrl, uplotVersion: UPLOT_VERSION, csrfToken: csrf.token(req, res), operator: operatorOf(res) }, req),
    );
  };
  const wrap = (handler: (req: Request, res: Response) => Promise<unknown>) =>
    function stepguardAdminRoute(req: Request, res: Response, next: NextFunction) {
      handler(req, res).catch(next);
    };

  router.get('/', wrap(async (req, res) => {
    const asked = req.query.range ?? '1h';
    if (typeof asked !== 'string' || !Object.hasOwn(RANGES, asked)) return fail(req, res, 'invalid_request', { field: 'range', problem: 'must be one of 1h, 24h, 7d' });
    const range = asked as RangeName;
    const overview = await overviewFor(range);
    const caps = await capUse();
    const breakers = await openBreakers();
    if (!wantsHtml(req)) return void res.json({ range, overview, caps, breakers });
    await page(req, res, 200, 'admin-overview', { range, ranges: RANGES, overview, caps, breakers, chartData: chartJson(overview) });
  }));

  async function overviewFor(range: RangeName): Promise<Overview> {
    const toMs = config.clock.nowMs();
    const { ms, resolution } = RANGES[range];
    const buckets = await readStats(toMs - ms, toMs, resolution);
    return summarizeOverview(buckets, { fromMs: toMs - ms, toMs, stepMs: resolution === 'minute' ? 60_000 : 3600_000 });
  }

  /** Breakers open now as far as the stats tell (openings in the last base open period, by minute). */
  async function openBreakers(): Promise<BreakerState[]> {
    const nowMs = config.clock.nowMs();
    const { openSeconds } = config.sms.pumping.breaker;
    return breakerStatesFrom(await readStats(nowMs - openSeconds * 1000 - 60_000, nowMs, 'minute'), { nowMs, openSeconds });
  }

  /** Spend in the cap's own window against each configured cap. */
  async function capUse(): Promise<{ cap: string; spentMicros: number; capMicros: number }[]> {
    const spend = config.sms.pumping.spend;
    const rows: { cap: string; spentMicros: number; capMicros: number }[] = [];
    const nowMs = config.clock.nowMs();
    if (spend.hourlyCapMicros) rows.push({ cap: 'hourly', spentMicros: summarizeOverview(await readStats(nowMs - 3600_000, nowMs, 'minute'), { fromMs: 0, toMs: nowMs }).totals.spendMicros, capMicros: spend.hourlyCapMicros });
    if (spend.dailyCapMicros) rows.push({ cap: 'daily', spentMicros: summarizeOverview(await readStats(nowMs - 86_400_000, nowMs, 'hour'), { fromMs: 0, toMs: nowMs }).totals.spendMicros, capMicros: spend.dailyCapMicros });
    return rows;
  }

  router.get('/users', wrap(async (req, res) => {
    const parsed = QUERY.safeParse(req.query.q);
    if (!parsed.success) return fail(req, res, 'invalid_request', { field: 'q', problem: parsed.error.issues[0]?.message ?? 'is not a search' });
    const found = options.findUserId ? await options.findUserId(parsed.data) : null;
    const candidate = [found, parsed.data].find((id): id is string => typeof id === 'string' && USER_ID.safeParse(id).success) ?? null;
    if (!candidate || !(await operator.accountExists(candidate))) return fail(req, res, 'not_found', { field: 'q' });
    if (!wantsHtml(req)) return void res.json({ userId: candidate });
    res.redirect(303, `${req.baseUrl}/users/${encodeURIComponent(candidate)}`);
  }));

  /** The account in the path, known to the host or to stepguard; else a clean 404 and nothing done. */
  const accountParam = async (req: Request, res: Response): Promise<string | null> => {
    const parsed = USER_ID.safeParse(req.params.userId);
    if (!parsed.success) {
      await fail(req, res, 'invalid_request', { field: 'userId', problem: parsed.error.issues[0]?.message ?? 'is not a user id' });
      return null;
    }
    if (!(await operator.accountExists(parsed.data))) {
      await fail(req, res, 'not_found', { field: 'userId' });
      return null;
    }
    return parsed.data;
  };

  router.get('/users/:userId', wrap(async (req, res) => {
    const userId = await accountParam(req, res);
    if (!userId) return;
    const [account, audit] = await Promise.all([operator.accountView(userId), operator.auditTrail(userId, 50)]);
    if (!wantsHtml(req)) return void res.json({ account, audit });
    const done = typeof req.query.done === 'string' && DONE.includes(req.query.done) ? req.query.done : null;
    await page(req, res, 200, 'admin-user', { account, audit, done });
  }));

  /** A support action: operator and stepped up (the gate), CSRF, a valid body with a reason, an account that exists; then the service. */
  const action = <T extends { reason: string }>(schema: z.ZodType<T>, run: (userId: string, body: T, actor: { operatorId: string; reason: string; context: ReturnType<typeof requestContext> }) => Promise<Record<string, unknown>>, done: string) =>
    wrap(async (req, res) => {
      const userId = await accountParam(req, res);
      if (!userId) return;
      const parsed = parseBody(schema, req.body);
      if (!parsed.ok) return fail(req, res, 'invalid_request', parsed.details);
      const body = parsed.value;
      const result = await run(userId, body, { operatorId: operatorOf(res).operatorId, reason: body.reason, context: contextOf(res) });
      if (!wantsHtml(req)) return void res.json({ ok: true, ...result, csrfToken: csrf.token(req, res) });
      res.redirect(303, `${req.baseUrl}/users/${encodeURIComponent(userId)}?done=${done}`);
    });

  router.post('/users/:userId/reset-factor', csrf.protect, action(resetSchema, (userId, body, actor) => operator.resetFactor({ ...actor, userId, factor: body.factor }), 'factor_reset'));
  router.post('/users/:userId/unlock', csrf.protect, action(reasonOnly, (userId, _body, actor) => operator.unlockSecondFactor({ ...actor, userId }), 'unlocked'));
  router.post('/users/:userId/revoke-access', csrf.protect, action(reasonOnly, (userId, _body, actor) => operator.revokeAccess({ ...actor, userId }), 'access_revoked'));

  router.use((req: Request, res: Response) => void fail(req, res, 'not_found'));
  router.use(internals.errorHandler);
  return router;
}

/** The time chart's data for the page: a JSON block (no inline script), `<` escaped so it cannot end the element. */
function chartJson(overview: Overview | null): string {
  const data = overview
    ? { t: overview.timeline.startMs.map((ms) => Math.floor(ms / 1000)), sent: overview.timeline.sent, verified: overview.timeline.verified, refused: overview.timeline.refused }
    : null;
  return JSON.stringify(data).replace(/</g, '\\u003c');
}

