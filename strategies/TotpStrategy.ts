import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import type { StepGuard } from '../src/createStepGuard';
import { finishStrategy, refuse } from './finishStrategy';

/**
 * Passport strategy `totp`: a step-up with an authenticator-app code over an existing login.
 * Use with `{ session: false }`, then `guard.recordSecondFactor(req, 'otp')` in the route.
 */
export class TotpStrategy extends Strategy {
  name = 'totp';
  private readonly guard: StepGuard;
  private readonly codeField: string;

  /** @param options.codeField body field with the code. @default 'code' */
  constructor(options: { guard: StepGuard; codeField?: string }) {
    super();
    if (!options?.guard) throw new TypeError('TotpStrategy requires options.guard (the object createStepGuard returned)');
    this.guard = options.guard;
    this.codeField = options.codeField ?? 'code';
  }

  override authenticate(req: Request): void {
    const userId = this.guard.config.getUserId(req);
    const code = (req.body as Record<string, unknown> | undefined)?.[this.codeField];
    if (!userId) return refuse(this, 'unauthenticated');
    if (typeof code !== 'string' || !/^\d{6}$/.test(code)) return refuse(this, 'invalid_request');
    finishStrategy(this, req, this.guard.service.verifyTotp({ userId, code }));
  }
}
