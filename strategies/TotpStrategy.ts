import { requestContext } from '../src/http/requestContext';
import type { StepGuard } from '../src/createStepGuard';
import { CodeStrategy } from './CodeStrategy';

/**
 * Passport strategy `totp`: a step-up with an authenticator-app code over an existing login.
 * Use with `{ session: false }`: a valid code finishes the step-up (as stepguard's own route does).
 */
export class TotpStrategy extends CodeStrategy {
  name = 'totp';

  /** @param options.codeField body field with the code. @default 'code' */
  constructor(options: { guard: StepGuard; codeField?: string }) {
    super(options, 'otp', (code) => /^\d{6}$/.test(code), (guard, userId, code, req) => guard.service.verifyTotp({ userId, code, context: requestContext(req) }));
  }
}
