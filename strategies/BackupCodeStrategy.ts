import { requestContext } from '../src/http/requestContext';
import type { StepGuard } from '../src/createStepGuard';
import { CodeStrategy } from './CodeStrategy';

/**
 * Passport strategy `backup-code`: a step-up with a single-use backup code. Use with
 * `{ session: false }`: a valid code finishes the step-up (as stepguard's own route does).
 */
export class BackupCodeStrategy extends CodeStrategy {
  name = 'backup-code';

  /** @param options.codeField body field with the code. @default 'code' */
  constructor(options: { guard: StepGuard; codeField?: string }) {
    super(options, 'backup', (code) => code.length <= 40, (guard, userId, code, req) => guard.service.verifyBackupCode({ userId, code, context: requestContext(req) }));
  }
}
