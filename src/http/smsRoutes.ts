import type { Request, Response } from 'express';
import { z } from 'zod';
import { SMS_CHANNELS, type SmsChannel } from '../sms/types';
import type { PolicyDecision } from '../core/policy/types';
import type { TransactionDetails } from '../core/transaction/hashTransaction';
import type { SendSmsChallengeInput } from '../service/sendSmsChallenge';
import type { ErrorCode } from '../errors';
import { parseBody } from './parseBody';
import { wantsHtml } from './respond';
import { epochOf, raisesLevel, readState, type StepGuardSessionState } from './sessionState';
import { requestContext } from './requestContext';
import { displayOf, statusOf, toError, type RouteKit } from './routeKit';

const ACTION = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be an action name such as "login"');

/**
 * The SMS step-up: `POST /sms/send` (also a call or WhatsApp as a resend), `GET /sms/status`
 * (delivery, and what to offer when it failed), the code page `GET /sms`, `POST /sms/verify`.
 */
export function mountSmsRoutes(kit: RouteKit): void {
  const { internals, router, route, fail, localeOf, describeMethods, completeStepUp, verifySchema } = kit;
  const { config, service, csrf, render } = internals;
  const sendSchema = z.strictObject({ action: ACTION.optional(), channel: z.enum(SMS_CHANNELS).optional(), _csrf: z.string().optional() });

  router.post('/sms/send', csrf.protect, route(sendSchema, async (req, res, userId, body) => {
      const state = internals.ensureState(req, userId);
      const action = body.action ?? state.pending?.action ?? 'login';
      if (!config.actions[action]) {
        return void (await fail(req, res, 'invalid_request', { field: 'action', problem: 'is not a configured action' }));
      }
      const pendingTx = state.pending?.action === action ? state.pending.transaction : undefined;
      // The risk policy may have taken SMS out of this action's acceptable factors. A decision
      // the session holds is known now; one that must be read is read alongside a first send's
      // budget check (issue 12: one round trip, not two), and the send waits for it before
      // anything leaves or stays (see `admission`). A resend is judged first, as before, and so
      // is a send from a listed address (deny list, Tor, data centre): one the policy is likely
      // to refuse must not reach the country breaker, which counts sends in flight.
      const reused = internals.risk.reusableDecision(req, res, userId, action, pendingTx);
      const alongside = reused === undefined && state.sms === undefined && !internals.risk.listedAddress(req);
      const deciding = reused ? Promise.resolve(reused) : internals.risk.decide(req, res, userId, action, pendingTx);
      const smsAccepted = (d: PolicyDecision) => d.outcome !== 'deny' && d.acceptableFactors.includes('sms');
      const sent = alongside
        ? service.sendSmsChallenge({
            ...sendInput(req, userId, state, action, pendingTx, body.channel),
            admission: deciding.then((d) => ({ admitted: smsAccepted(d), lockedUntilMs: internals.risk.lockReadIn(req)?.lockedUntilMs ?? null })),
          })
        : undefined;
      // Whatever the send answered, a refusal by the policy is the answer (as when it was asked first).
      const decision = await deciding.catch(async (err: unknown) => {
        // The send waits on the same decision and undoes itself: let it finish before the 503.
        await sent?.catch(() => undefined);
        throw err;
      });
      if (!smsAccepted(decision)) {
        await sent?.catch(() => undefined);
        const code: ErrorCode = decision.outcome === 'deny' ? 'access_denied' : 'sms_not_accepted';
        const details = { reasons: decision.reasons.map((r) => r.text), acceptableFactors: decision.acceptableFactors };
        if (wantsHtml(req)) {
          return void res.status(statusOf(code)).type('html').send(
            await render('choose', { ...(await describeMethods(req, res, userId, action)), error: { code, context: 'sms', details: {} }, csrfToken: csrf.token(req, res), basePath: config.http.basePath }, req),
          );
        }
        return void (await fail(req, res, code, details));
      }
      const result = await (sent ??
        service.sendSmsChallenge({
          ...sendInput(req, userId, state, action, pendingTx, body.channel),
          // The lock the risk decision just read (when it was not cached): not read twice.
          ...(internals.risk.lockReadIn(req) ?? {}),
        }));
      if (!result.ok) {
        const { code, details } = toError(result);
        if (wantsHtml(req) && state.sms) return void (await renderCodePage(req, res, statusOf(code), code, details));
        return void (await fail(req, res, code, details));
      }
      state.sms = {
        challengeId: result.challengeId,
        channel: result.channel,
        action,
        expiresAtMs: result.expiresAtMs,
        resendAvailableAtMs: result.resendAvailableAtMs,
        maskedPhone: result.maskedPhone,
      };
      if (wantsHtml(req)) return res.redirect(303, `${config.http.basePath}/sms`);
      res.status(202).json({
        challengeId: result.challengeId,
        expiresAt: new Date(result.expiresAtMs).toISOString(),
        resendAvailableAt: new Date(result.resendAvailableAtMs).toISOString(),
        to: result.maskedPhone,
        resent: result.resent,
        channel: result.channel,
        deliveryStatus: result.deliveryStatus,
      });
  }));

  function sendInput(req: Request, userId: string, state: StepGuardSessionState, action: string, pendingTx: TransactionDetails | undefined, channel: SmsChannel | undefined): SendSmsChallengeInput {
    return {
      userId,
      bindingId: state.bindingId,
      action,
      ...(pendingTx ? { transaction: { details: pendingTx, display: displayOf(pendingTx) } } : {}),
      ...(state.sms ? { currentChallengeId: state.sms.challengeId } : {}),
      ...(channel ? { channel } : {}),
      locale: localeOf(req),
      context: requestContext(req),
    };
  }

  // The code page polls this: an undelivered message offers a call or another factor.
  router.get('/sms/status', route(null, async (req, res, userId) => {
      const sms = readState(req, userId)?.sms;
      if (!sms) return void (await fail(req, res, 'no_challenge'));
      const delivery = await service.deliveryOf(userId, sms.challengeId);
      const binding = await service.phoneBindingOf(userId);
      const voice = binding !== null && service.channelAvailable('voice', binding.e164);
      const whatsapp = binding !== null && service.channelAvailable('whatsapp', binding.e164);
      const otherFactors = (await service.listEnrolledFactors(userId)).filter((f) => f !== 'sms');
      res.set('Cache-Control', 'no-store').json({
        status: delivery?.status ?? 'unknown',
        channel: delivery?.channel ?? 'sms',
        alternatives: { voice, whatsapp, otherFactors },
      });
  }));

  router.get('/sms', route(null, async (req, res, userId) => {
      if (!readState(req, userId)?.sms) return res.redirect(303, config.http.basePath);
      await renderCodePage(req, res, 200);
  }));

  router.post('/sms/verify', csrf.protect, route(null, async (req, res, userId) => {
      const body = parseBody(verifySchema, req.body);
      if (!body.ok) {
        if (wantsHtml(req) && readState(req, userId)?.sms) {
          return void (await renderCodePage(req, res, 400, 'invalid_request', body.details));
        }
        return void (await fail(req, res, 'invalid_request', body.details));
      }
      const state = readState(req, userId);
      if (!state?.sms) return void (await fail(req, res, 'no_challenge'));
      const result = await service.verifySmsChallenge({
        userId,
        bindingId: state.bindingId,
        challengeId: state.sms.challengeId,
        code: body.value.code,
        expect: 'step_up',
        context: requestContext(req),
        // The right code will replace this session under a new id: the old one dies with the consume.
        ...(raisesLevel(state.factors, 'sms', config.clock.nowMs())
          ? { supersede: { sessionEpoch: Math.max(0, epochOf(state)), adopt: (epoch: number) => void (state.epoch = epoch) } }
          : {}),
      });
      if (!result.ok) {
        const { code, details } = toError(result);
        if (wantsHtml(req)) return void (await renderCodePage(req, res, statusOf(code), code, details));
        return void (await fail(req, res, code, details));
      }
      delete state.sms;
      await completeStepUp(req, res, userId, { factor: 'sms', verifiedAtMs: result.verifiedAtMs, ref: result.ref, remember: Boolean(body.value.remember), action: result.action, superseded: result.superseded });
  }));


  async function renderCodePage(
    req: Request,
    res: Response,
    status: number,
    errorCode?: ErrorCode,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const userId = config.getUserId(req) as string;
    const state = readState(req, userId);
    const sms = state?.sms;
    if (!sms) return void res.redirect(303, config.http.basePath);
    if (typeof details.retryAfterSeconds === 'number') res.set('Retry-After', String(details.retryAfterSeconds));
    const binding = await service.phoneBindingOf(userId);
    const otherFactors = (await service.listEnrolledFactors(userId)).some((f) => f !== 'sms');
    res
      .status(status)
      .type('html')
      .send(
        await render('sms', {
          channel: sms.channel ?? 'sms',
          voiceAvailable: sms.channel !== 'voice' && binding !== null && service.channelAvailable('voice', binding.e164),
          otherFactors,
          maskedPhone: sms.maskedPhone,
          expiresAt: new Date(sms.expiresAtMs).toISOString(),
          resendAvailableAt: new Date(sms.resendAvailableAtMs).toISOString(),
          resendInSeconds: Math.max(0, Math.ceil((sms.resendAvailableAtMs - config.clock.nowMs()) / 1000)),
          codeLength: config.sms.codeLength,
          errorCode,
          details,
          csrfToken: csrf.token(req, res),
          basePath: config.http.basePath,
        }, req),
      );
  }
}
