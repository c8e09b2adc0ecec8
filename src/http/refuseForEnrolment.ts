import type { Request, Response } from 'express';
import { errorBody } from '../errors';
import { enrolPageHref } from './enrolmentOffer';
import type { GuardInternals } from './GuardInternals';
import { requestContext } from './requestContext';
import { wantsHtml } from './respond';
import { safeReturnTo } from './safeReturnTo';

/**
 * A requirement to enrol (`enrolment.require`) whose grace period is over refuses every guarded
 * route, a fresh step-up or not, until the user adds what it asks for: `403 enrolment_required`
 * naming the requirement and the factor page for API clients; browsers go to the enrolment page,
 * which says so and offers the way to add it, and come back here after. Answers and returns
 * `true` when it refused. Costs nothing unless `enrolment.require` is set; a store failure is
 * thrown (fail closed: 503).
 */
export async function refuseForEnrolment(internals: GuardInternals, req: Request, res: Response, userId: string): Promise<boolean> {
  const { config, service } = internals;
  if (!config.enrolment.require) return false;
  const status = await service.enrolmentStatus({ userId });
  if (!status.overdue || !status.required) return false;
  await service.audit({ type: 'enrolment_required_refused', outcome: 'blocked', userId, reasons: [status.required], context: requestContext(req) });
  const basePath = config.http.basePath;
  if (wantsHtml(req)) {
    const back = req.method === 'GET' ? (safeReturnTo(req.originalUrl, config.http.allowedReturnOrigins) ?? undefined) : undefined;
    res.redirect(303, enrolPageHref(basePath, back));
    return true;
  }
  res.status(403).json(
    errorBody('enrolment_required', {
      required: status.required,
      requiredBy: status.requiredByMs !== null ? new Date(status.requiredByMs).toISOString() : null,
      suggested: status.suggested,
      factorsUrl: `${basePath}/factors`,
    }),
  );
  return true;
}
