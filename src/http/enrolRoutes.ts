import type { Request, Response } from 'express';
import { z } from 'zod';
import { SECOND_FACTORS, type SecondFactorId } from '../core/assurance/types';
import type { ErrorCode } from '../errors';
import { enrolmentOfferOf, enrolPageHref, type EnrolmentOffer } from './enrolmentOffer';
import { requestContext } from './requestContext';
import { wantsHtml } from './respond';
import type { RouteKit } from './routeKit';
import { statusOf } from './routeKit';
import { safeReturnTo } from './safeReturnTo';
import { readState } from './sessionState';
import { TOTP_SETUP_TTL_MS, totpAccountNameOf, totpRevealOf } from './totpReveal';

/**
 * The short page between a step-up and where the user was going (`GET /enrol`), offering
 * another sign-in method: an authenticator app and backup codes right here (the step-up that
 * led here is fresh enough for the binding rule), a passkey where the browser can make one (the
 * page's script asks the browser). "Not now" snoozes optional offers, "Don't ask again" declines
 * them, both remembered per user in the enrolment store; a requirement (`enrolment.require`)
 * shows its days left instead and cannot be declined. Every way out goes to `returnTo`, checked
 * by safeReturnTo each time. JSON clients may use the same routes; a step-up's JSON answer
 * carries the offer as `enrolment` and nothing here ever stands in their way.
 */
export function mountEnrolRoutes(kit: RouteKit): void {
  const { internals, router, route, fail, refuseChange, proofOf, afterChange } = kit;
  const { config, service, csrf, render } = internals;
  const basePath = config.http.basePath;
  const returnTo = z.string().max(2048).optional();
  const answerSchema = z.strictObject({ returnTo, _csrf: z.string().optional() });
  const totpConfirmSchema = z.strictObject({
    code: z.string({ error: 'must be a string of digits' }).regex(/^\d{6}$/, 'must be exactly 6 digits'),
    returnTo,
    _csrf: z.string().optional(),
  });
  /** Where the user goes on to: only ever a same-origin path or an allowed origin. */
  const nextOf = (value: unknown): string => safeReturnTo(value, config.http.allowedReturnOrigins) ?? '/';

  /** The newest second factor this session verified: what the offer after a step-up is about. */
  function lastFactorOf(req: Request, userId: string): SecondFactorId | undefined {
    const factors = readState(req, userId)?.factors ?? {};
    let last: SecondFactorId | undefined;
    for (const factor of SECOND_FACTORS) {
      const at = factors[factor];
      if (at !== undefined && (last === undefined || at > (factors[last] as number))) last = factor;
    }
    return last;
  }

  async function offerFor(req: Request, userId: string, stronger = false): Promise<EnrolmentOffer | undefined> {
    return enrolmentOfferOf(await service.enrolmentStatus({ userId, usedFactor: lastFactorOf(req, userId), policyWantedStronger: stronger }));
  }

  async function renderEnrolPage(req: Request, res: Response, status: number, data: { offer: EnrolmentOffer | undefined; next: string } & Record<string, unknown>) {
    const { offer, ...rest } = data;
    res.status(status).type('html').send(
      await render('enrol', { totpSetup: null, newBackupCodes: null, error: null, ...rest, offer: offer ?? null, csrfToken: csrf.token(req, res), basePath }, req),
    );
  }

  router.get('/enrol', route(null, async (req, res, userId) => {
    const next = nextOf(req.query.returnTo);
    const offer = await offerFor(req, userId, req.query.for === 'no_strong_factor');
    if (!wantsHtml(req)) return void res.json({ enrolment: offer ?? null });
    // Nothing to offer (snoozed, declined, added meanwhile): straight on.
    if (!offer) return void res.redirect(303, next);
    await renderEnrolPage(req, res, 200, { offer, next });
  }));

  for (const answer of ['snooze', 'decline'] as const) {
    router.post(`/enrol/${answer}`, csrf.protect, route(answerSchema, async (req, res, userId, body) => {
      // Only a session that passed a second factor answers for the user: a password alone cannot silence the offers.
      if (!lastFactorOf(req, userId)) return void (await fail(req, res, 'insufficient_user_authentication'));
      const result = await service.answerEnrolmentNudge({ userId, answer });
      if (!wantsHtml(req)) {
        return void res.json({ ok: true, ...(result.snoozedUntilMs !== null ? { snoozedUntil: new Date(result.snoozedUntilMs).toISOString() } : {}) });
      }
      res.redirect(303, nextOf(body.returnTo));
    }));
  }

  router.post('/enrol/totp', csrf.protect, route(answerSchema, async (req, res, userId, body) => {
    const next = nextOf(body.returnTo);
    const setup = await service.beginTotpEnrolment({ userId, accountName: await totpAccountNameOf(config, userId), proof: await proofOf(req, res, userId) });
    if (!setup.ok) return void (await refuseChange(req, res, userId, setup.reason, enrolPageHref(basePath, next)));
    internals.ensureState(req, userId).totpSetup = { sealedSecret: setup.sealedSecret, startedAtMs: config.clock.nowMs() };
    const reveal = { otpauthUri: setup.otpauthUri, qrCode: setup.qrCodeDataUrl, secret: setup.secret };
    if (!wantsHtml(req)) return void res.status(201).json(reveal);
    await renderEnrolPage(req, res, 201, { offer: await offerFor(req, userId), next, totpSetup: reveal });
  }));

  router.post('/enrol/totp/confirm', csrf.protect, route(totpConfirmSchema, async (req, res, userId, body) => {
    const next = nextOf(body.returnTo);
    const state = internals.ensureState(req, userId);
    const setup = state.totpSetup;
    const showError = async (code: ErrorCode, reveal: unknown) =>
      wantsHtml(req) ? renderEnrolPage(req, res, statusOf(code), { offer: await offerFor(req, userId), next, totpSetup: reveal, error: { code, context: 'otp' } }) : fail(req, res, code);
    if (!setup || config.clock.nowMs() - setup.startedAtMs > TOTP_SETUP_TTL_MS) return void (await showError('no_setup', null));
    const result = await service.confirmTotpEnrolment({ userId, sealedSecret: setup.sealedSecret, code: body.code, proof: await proofOf(req, res, userId), context: requestContext(req) });
    if (!result.ok) {
      // A wrong first code keeps the same QR code: the app already holds that secret.
      if (result.reason === 'invalid_code') return void (await showError('invalid_code', await totpRevealOf(config, setup.sealedSecret, await totpAccountNameOf(config, userId))));
      return void (await refuseChange(req, res, userId, result.reason, enrolPageHref(basePath, next)));
    }
    delete state.totpSetup;
    await afterChange(req, userId, {});
    if (!wantsHtml(req)) return void res.status(201).json({ enrolled: true, factor: 'otp' });
    res.redirect(303, next);
  }));

  router.post('/enrol/backup-codes', csrf.protect, route(answerSchema, async (req, res, userId, body) => {
    const next = nextOf(body.returnTo);
    const result = await service.regenerateBackupCodes({ userId, proof: await proofOf(req, res, userId), context: requestContext(req) });
    if (!result.ok) return void (await refuseChange(req, res, userId, result.reason, enrolPageHref(basePath, next)));
    await afterChange(req, userId, {});
    if (!wantsHtml(req)) return void res.status(201).json({ codes: result.codes, remaining: result.codes.length });
    // Shown once, here: the user saves them, then goes on.
    await renderEnrolPage(req, res, 201, { offer: undefined, next, newBackupCodes: result.codes });
  }));
}
