import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { ERRORS, type ErrorCode } from '../src/errors';
import { readState } from '../src/http/sessionState';
import type { StepGuard } from '../src/createStepGuard';

export type SmsOtpStrategyOptions = {
  /** The guard whose service checks the code. Required. */
  guard: StepGuard;
  /** Body field holding the code. @default 'code' */
  codeField?: string;
};

/**
 * Passport strategy `sms-otp`: a step-up over an existing login. Reads the code and the
 * session's pending challenge, asks the service once, and ends in exactly one of
 * `success(user, info)`, `fail(challenge, status)` or `error(err)`. It does not write the
 * assurance level: the route does that (`guard.recordSecondFactor(req, 'sms')`). Use it with
 * `{ session: false }`, since `req.user` is already established by the first factor.
 */
export class SmsOtpStrategy extends Strategy {
  name = 'sms-otp';
  private readonly guard: StepGuard;
  private readonly codeField: string;

  constructor(options: SmsOtpStrategyOptions) {
    super();
    if (!options || typeof options.guard !== 'object' || options.guard === null) {
      throw new TypeError('SmsOtpStrategy requires options.guard (the object createStepGuard returned)');
    }
    this.guard = options.guard;
    this.codeField = options.codeField ?? 'code';
  }

  override authenticate(req: Request): void {
    const user = (req as Request & { user?: unknown }).user;
    const userId = this.guard.config.getUserId(req);
    const code = (req.body as Record<string, unknown> | undefined)?.[this.codeField];
    const state = userId ? readState(req, userId) : undefined;
    if (!user || !userId) return this.fail(challenge('unauthenticated'), 401);
    if (typeof code !== 'string' || !new RegExp(`^\\d{${this.guard.config.sms.codeLength}}$`).test(code)) {
      return this.fail(challenge('invalid_request'), 400);
    }
    if (!state?.sms) return this.fail(challenge('no_challenge'), 409);
    this.guard.service
      .verifySmsChallenge({ userId, bindingId: state.bindingId, challengeId: state.sms.challengeId, code, expect: 'step_up' })
      .then(
        (result) => {
          if (result.ok) return this.success(user, { factor: 'sms', action: result.action, verifiedAtMs: result.verifiedAtMs });
          const { reason, ...details } = result;
          return this.fail({ ...challenge(reason), ...details }, ERRORS[reason].status);
        },
        (err: unknown) => this.error(err instanceof Error ? err : new Error(String(err))),
      );
  }
}

function challenge(code: ErrorCode): { code: ErrorCode; message: string } {
  return { code, message: ERRORS[code].message };
}
