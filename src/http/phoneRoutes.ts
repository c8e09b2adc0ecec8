import type { Request, Response } from 'express';
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors';
import { wantsHtml } from './respond';
import { readState } from './sessionState';
import { requestContext } from './requestContext';
import { statusOf, toError, type RouteKit } from './routeKit';
import { takeFormDraft } from './formDraft';

/** Binding, changing and removing the phone number: `GET/POST /phone`, `/phone/verify`, `/phone/remove`. */
export function mountPhoneRoutes(kit: RouteKit): void {
  const { internals, router, route, fail, localeOf, verifySchema, csrfOnly, proofOf, afterChange, refuseChange } = kit;
  const { config, service, csrf, render } = internals;

  const phoneSchema = z.strictObject({ phone: z.string({ error: 'must be a string' }).min(1, 'is required').max(32, 'is too long'), _csrf: z.string().optional() });

  router.get('/phone', route(null, async (req, res, userId) => {
      const state = internals.ensureState(req, userId);
      const current = await service.maskedPhoneOf(userId);
      const pending = state.phone && state.phone.expiresAtMs > config.clock.nowMs() ? state.phone : undefined;
      if (!wantsHtml(req)) return void res.json({ phone: current, pending: pending ? { to: pending.maskedPhone } : null });
      // The number typed before a "sign in again" comes back into the input (see signInAgain).
      await renderPhonePage(req, res, 200, { current, pending, typedPhone: takeFormDraft(config, req, res, userId).phone });
  }));

  router.post('/phone', csrf.protect, route(phoneSchema, async (req, res, userId, body) => {
      const state = internals.ensureState(req, userId);
      const result = await service.startPhoneBinding({
        userId,
        bindingId: state.bindingId,
        phoneInput: body.phone,
        proof: await proofOf(req, res, userId),
        locale: localeOf(req),
        ...(state.phone ? { currentChallengeId: state.phone.challengeId } : {}),
        context: requestContext(req),
      });
      if (!result.ok) {
        if (isChangeRefusal(result.reason)) return void (await refuseChange(req, res, userId, result.reason, `${config.http.basePath}/phone`));
        const { code, details } = toError(result);
        if (wantsHtml(req)) return void (await renderPhonePage(req, res, statusOf(code), { current: await service.maskedPhoneOf(userId), errorCode: code, details, typedPhone: body.phone }));
        return void (await fail(req, res, code, details));
      }
      state.phone = {
        challengeId: result.challengeId,
        expiresAtMs: result.expiresAtMs,
        resendAvailableAtMs: result.resendAvailableAtMs,
        maskedPhone: result.maskedPhone,
      };
      if (wantsHtml(req)) return res.redirect(303, `${config.http.basePath}/phone`);
      res.status(202).json({
        challengeId: result.challengeId,
        expiresAt: new Date(result.expiresAtMs).toISOString(),
        resendAvailableAt: new Date(result.resendAvailableAtMs).toISOString(),
        to: result.maskedPhone,
      });
  }));

  router.post('/phone/verify', csrf.protect, route(verifySchema, async (req, res, userId, body) => {
      const state = readState(req, userId);
      if (!state?.phone) return void (await fail(req, res, 'no_challenge'));
      const result = await service.confirmPhoneBinding({
        userId,
        bindingId: state.bindingId,
        challengeId: state.phone.challengeId,
        code: body.code,
        proof: await proofOf(req, res, userId),
        context: requestContext(req),
      });
      if (!result.ok) {
        if (isChangeRefusal(result.reason)) return void (await refuseChange(req, res, userId, result.reason, `${config.http.basePath}/phone`));
        const { code, details } = toError(result);
        if (code === 'phone_unavailable') delete state.phone;
        if (wantsHtml(req)) {
          const current = await service.maskedPhoneOf(userId);
          return void (await renderPhonePage(req, res, statusOf(code), { current, pending: state.phone, errorCode: code, details }));
        }
        return void (await fail(req, res, code, details));
      }
      delete state.phone;
      await afterChange(req, userId, result);
      if (wantsHtml(req)) {
        const coolOffDays = result.coolOffUntilMs === null ? 0 : Math.ceil((result.coolOffUntilMs - config.clock.nowMs()) / 86_400_000);
        return void (await renderPhonePage(req, res, 200, { current: result.maskedPhone, done: result.changed ? 'changed' : 'bound', coolOffDays }));
      }
      res.json({
        phone: result.maskedPhone,
        changed: result.changed,
        coolOffUntil: result.coolOffUntilMs === null ? null : new Date(result.coolOffUntilMs).toISOString(),
        // A new number signed out the other sessions and gave this one a new id: its new token.
        csrfToken: csrf.token(req, res),
      });
  }));

  router.post('/phone/remove', csrf.protect, route(csrfOnly, async (req, res, userId, _body) => {
      const removedRef = internals.ensureState(req, userId).refs?.sms;
      const result = await service.removePhone({ userId, proof: await proofOf(req, res, userId), context: requestContext(req) });
      if (!result.ok) {
        if (isChangeRefusal(result.reason)) return void (await refuseChange(req, res, userId, result.reason, `${config.http.basePath}/phone`));
        return void (await fail(req, res, toError(result).code));
      }
      await afterChange(req, userId, result, removedRef);
      if (wantsHtml(req)) return res.redirect(303, `${config.http.basePath}/phone`);
      res.json({ removed: true, csrfToken: csrf.token(req, res) });
  }));


  async function renderPhonePage(
    req: Request,
    res: Response,
    status: number,
    view: {
      current: string | null;
      pending?: { maskedPhone: string } | undefined;
      errorCode?: ErrorCode;
      details?: Record<string, unknown>;
      done?: 'bound' | 'changed';
      coolOffDays?: number;
      /** What the user typed, refilled after an error (a number, never a code). */
      typedPhone?: string | undefined;
    },
  ): Promise<void> {
    const userId = config.getUserId(req);
    // Came here from a step-up's "add a phone number": offer the way back to it.
    const continueHref = userId && readState(req, userId)?.pending ? config.http.basePath : null;
    res
      .status(status)
      .type('html')
      .send(
        await render('phone', {
          current: view.current,
          pending: view.pending,
          errorCode: view.errorCode,
          errorMessage: view.errorCode ? ERRORS[view.errorCode].message : undefined,
          details: view.details ?? {},
          done: view.done,
          coolOffDays: view.coolOffDays ?? 0,
          typedPhone: view.typedPhone ?? '',
          continueHref,
          codeLength: config.sms.codeLength,
          csrfToken: csrf.token(req, res),
          basePath: config.http.basePath,
        }, req),
      );
  }
}

/** The binding rule's refusals, which send a browser to step up (or sign in) rather than show an error. */
function isChangeRefusal(reason: string): reason is 'fresh_factor_required' | 'fresh_password_required' | 'last_factor' | 'unauthenticated' {
  return reason === 'fresh_factor_required' || reason === 'fresh_password_required' || reason === 'last_factor' || reason === 'unauthenticated';
}
