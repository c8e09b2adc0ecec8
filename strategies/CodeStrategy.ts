import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import type { SecondFactorId } from '../src/core/assurance/types';
import type { StepGuard } from '../src/createStepGuard';
import { finishStrategy, refuse } from './finishStrategy';

type Verify = (guard: StepGuard, userId: string, code: string, req: Request) => Promise<{ ok: true } & Record<string, unknown> | ({ ok: false; reason: string } & Record<string, unknown>)>;

/**
 * The shape the code-based step-up strategies share: read the code, check its form, call one
 * service function, end in exactly one of success / fail / error.
 */
export abstract class CodeStrategy extends Strategy {
  protected readonly guard: StepGuard;
  private readonly codeField: string;

  protected constructor(
    options: { guard: StepGuard; codeField?: string },
    private readonly factor: SecondFactorId,
    private readonly isWellFormed: (code: string) => boolean,
    private readonly verify: Verify,
  ) {
    super();
    if (!options?.guard) throw new TypeError(`${new.target.name} requires options.guard (the object createStepGuard returned)`);
    this.guard = options.guard;
    this.codeField = options.codeField ?? 'code';
  }

  override authenticate(req: Request): void {
    const userId = this.guard.config.getUserId(req);
    const code = (req.body as Record<string, unknown> | undefined)?.[this.codeField];
    if (!userId) return refuse(this, 'unauthenticated');
    if (typeof code !== 'string' || !this.isWellFormed(code)) return refuse(this, 'invalid_request');
    finishStrategy(this, req, this.guard, this.factor, this.verify(this.guard, userId, code, req));
  }
}
