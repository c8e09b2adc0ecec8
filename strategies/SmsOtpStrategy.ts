import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { readState } from '../src/http/sessionState';
import { requestContext } from '../src/http/requestContext';
import type { StepGuard } from '../src/createStepGuard';
import { finishStrategy, refuse } from './finishStrategy';

export type SmsOtpStrategyOptions = {
  /** The guard whose service checks the code. Required. */
  guard: StepGuard;
  /** Body field holding the code. @default 'code' */
  codeField?: string;
};

/**
 * Passport strategy `sms-otp`: a step-up over an existing login. Reads the code and the
 * session's pending challenge, asks the service once, and ends in exactly one of
 * `success(user, info)`, `fail(challenge, status)` or `error(err)`. A valid code finishes the
 * step-up through the same function as stepguard's own verify route (`guard.recordSecondFactor`).
 * Use it with `{ session: false }`, since `req.user` is already established by the first factor.
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
    if (!user || !userId) return refuse(this, 'unauthenticated');
    if (typeof code !== 'string' || !new RegExp(`^\\d{${this.guard.config.sms.codeLength}}$`).test(code)) return refuse(this, 'invalid_request');
    if (!state?.sms) return refuse(this, 'no_challenge');
    finishStrategy(
      this,
      req,
      this.guard,
      'sms',
      this.guard.service.verifySmsChallenge({ userId, bindingId: state.bindingId, challengeId: state.sms.challengeId, code, expect: 'step_up', context: requestContext(req) }),
    );
  }
}
