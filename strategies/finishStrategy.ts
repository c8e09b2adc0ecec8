import type { Request } from 'express';
import type { Strategy } from 'passport-strategy';
import type { SecondFactorId } from '../src/core/assurance/types';
import type { StepGuard } from '../src/createStepGuard';
import { ERRORS, type ErrorCode } from '../src/errors';

type Outcome = { ok: true } & Record<string, unknown>;
type Refusal = { ok: false; reason: string } & Record<string, unknown>;

/**
 * Ends a step-up strategy in exactly one of success / fail / error, whatever the service said.
 * A verified factor finishes the step-up through `guard.recordSecondFactor`, the same function
 * stepguard's own routes use (session, risk record, audit, pending action), before `success`.
 * Shared by the factor strategies so each stays "read input, call one function".
 */
export function finishStrategy(strategy: Strategy, req: Request, guard: StepGuard, factor: SecondFactorId, run: Promise<Outcome | Refusal>): void {
  const user = (req as Request & { user?: unknown }).user;
  const remember = (req.body as { remember?: unknown } | undefined)?.remember;
  run
    .then(async (result) => {
      if (!result.ok) return result;
      const verified = typeof result.factor === 'string' ? (result.factor as SecondFactorId) : factor;
      const finished = await guard.recordSecondFactor(req, verified, {
        ref: result.ref,
        ...(typeof result.verifiedAtMs === 'number' ? { verifiedAtMs: result.verifiedAtMs } : {}),
        ...(typeof result.action === 'string' ? { action: result.action } : {}),
        remember: remember === true || remember === 'on',
      });
      return { ...result, acr: finished.acr, amr: finished.amr, remembered: finished.remembered, ...(finished.enrolment ? { enrolment: finished.enrolment } : {}) };
    })
    .then(
    (result) => {
      if (result.ok) return strategy.success(user, result);
      const { reason, ok: _ok, ...details } = result;
      const code = (reason in ERRORS ? reason : 'invalid_code') as ErrorCode;
      return strategy.fail({ code, message: ERRORS[code].message, ...details }, ERRORS[code].status);
    },
    (err: unknown) => strategy.error(err instanceof Error ? err : new Error(String(err))),
  );
}

/** The refusal for a request without a signed-in user or with malformed input. */
export function refuse(strategy: Strategy, code: ErrorCode): void {
  strategy.fail({ code, message: ERRORS[code].message }, ERRORS[code].status);
}
