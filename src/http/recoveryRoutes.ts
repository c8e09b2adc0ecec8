import type { Request, Response } from 'express';
import type { ErrorCode } from '../errors';
import type { Recovery } from '../stores/RecoveryStore';
import { requestContext } from './requestContext';
import { wantsHtml } from './respond';
import { statusOf, toError, type RouteKit } from './routeKit';
import { forgetFactors } from './sessionState';

/** A recovery as the page and API clients see it: ISO times, and whether it can complete now. */
function recoveryView(recovery: Recovery | null, nowMs: number) {
  if (!recovery) return null;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    status: recovery.status,
    startedAt: iso(recovery.startedAtMs),
    completesAt: iso(recovery.completesAtMs),
    reminded: recovery.remindedAtMs !== null,
    riskExtended: recovery.riskExtended,
    ready: recovery.status === 'pending' && recovery.remindedAtMs !== null && nowMs >= recovery.completesAtMs,
    endedAt: iso(recovery.endedAtMs),
  };
}

/**
 * Self-service recovery (README, "Recovery"): `GET /recovery` (the page, or JSON), `POST
 * /recovery` (start, with a fresh password), `POST /recovery/cancel` (any signed-in session),
 * `POST /recovery/complete` (after the wait, with a fresh password). Not mounted when
 * `recovery.enabled` is false.
 */
export function mountRecoveryRoutes(kit: RouteKit): void {
  const { internals, router, route, fail, csrfOnly, afterChange, refuseChange } = kit;
  const { config, service, csrf, render } = internals;
  if (!config.recovery.enabled) return;
  const page = `${config.http.basePath}/recovery`;

  router.get('/recovery', route(null, async (req, res, userId) => {
      const recovery = await service.recoveryOf(userId, { sendDueReminder: true });
      if (!wantsHtml(req)) return void res.json({ recovery: recoveryView(recovery, config.clock.nowMs()) });
      await renderPage(req, res, 200, recovery);
  }));

  router.post('/recovery', csrf.protect, route(csrfOnly, async (req, res, userId) => {
      const state = internals.ensureState(req, userId);
      const signals = await internals.risk.collectSignals(req, userId);
      const result = await service.startRecovery({ userId, factors: state.factors, signals, context: requestContext(req) });
      if (!result.ok) {
        const details = result.reason === 'recovery_rate_limited' ? { retryAfterSeconds: result.retryAfterSeconds } : {};
        return void (await refuse(req, res, userId, result.reason, details));
      }
      if (wantsHtml(req)) return void res.redirect(303, page);
      res.status(result.started ? 202 : 200).json({ started: result.started, recovery: recoveryView(result.recovery, config.clock.nowMs()) });
  }));

  router.post('/recovery/cancel', csrf.protect, route(csrfOnly, async (req, res, userId) => {
      const result = await service.cancelRecovery({ userId, actor: 'user', context: requestContext(req) });
      if (!result.ok) return void (await refuse(req, res, userId, result.reason));
      if (wantsHtml(req)) return void res.redirect(303, page);
      res.json({ cancelled: true, recovery: recoveryView(result.recovery, config.clock.nowMs()) });
  }));

  router.post('/recovery/complete', csrf.protect, route(csrfOnly, async (req, res, userId) => {
      const state = internals.ensureState(req, userId);
      const result = await service.completeRecovery({ userId, factors: state.factors, context: requestContext(req) });
      if (!result.ok) {
        const details = result.reason === 'recovery_not_ready' ? { completesAt: new Date(result.completesAtMs).toISOString() } : {};
        return void (await refuse(req, res, userId, result.reason, details));
      }
      // Every factor is gone: this session keeps its password only, under the new generation.
      forgetFactors(state, () => false);
      await afterChange(req, userId, result);
      if (wantsHtml(req)) return void res.redirect(303, page);
      res.json({
        completed: true,
        removed: result.removed,
        coolOffUntil: result.coolOffUntilMs === null ? null : new Date(result.coolOffUntilMs).toISOString(),
        // Every session was revoked and this one re-issued: its new token.
        csrfToken: csrf.token(req, res),
      });
  }));

  /** A refusal: a stale password sends a browser to sign in again; the rest is said on the page (or as JSON). */
  async function refuse(req: Request, res: Response, userId: string, reason: string, details: Record<string, unknown> = {}) {
    if (reason === 'fresh_password_required') return refuseChange(req, res, userId, reason, page);
    const code = toError({ ok: false, reason }).code;
    if (!wantsHtml(req)) return fail(req, res, code, details);
    await renderPage(req, res, statusOf(code), await service.recoveryOf(userId), code, details);
  }

  async function renderPage(req: Request, res: Response, status: number, recovery: Recovery | null, errorCode?: ErrorCode, details: Record<string, unknown> = {}) {
    res
      .status(status)
      .type('html')
      .send(await render('recovery', { recovery: recoveryView(recovery, config.clock.nowMs()), errorCode: errorCode ?? null, details, csrfToken: csrf.token(req, res), basePath: config.http.basePath }, req));
  }
}
