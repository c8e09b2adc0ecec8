import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import type { StepGuard } from '../src/createStepGuard';
import { finishStrategy, refuse } from './finishStrategy';

/**
 * Passport strategy `backup-code`: a step-up with a single-use backup code. Use with
 * `{ session: false }`, then `guard.recordSecondFactor(req, 'backup')` in the route.
 */
export class BackupCodeStrategy extends Strategy {
  name = 'backup-code';
  private readonly guard: StepGuard;
  private readonly codeField: string;

  /** @param options.codeField body field with the code. @default 'code' */
  constructor(options: { guard: StepGuard; codeField?: string }) {
    super();
    if (!options?.guard) throw new TypeError('BackupCodeStrategy requires options.guard (the object createStepGuard returned)');
    this.guard = options.guard;
    this.codeField = options.codeField ?? 'code';
  }

  override authenticate(req: Request): void {
    const userId = this.guard.config.getUserId(req);
    const code = (req.body as Record<string, unknown> | undefined)?.[this.codeField];
    if (!userId) return refuse(this, 'unauthenticated');
    if (typeof code !== 'string' || code.length > 40) return refuse(this, 'invalid_request');
    finishStrategy(this, req, this.guard.service.verifyBackupCode({ userId, code }));
  }
}
