import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { requestContext } from '../src/http/requestContext';
import type { StepGuard } from '../src/createStepGuard';
import { readState } from '../src/http/sessionState';
import { finishStrategy, refuse } from './finishStrategy';

/**
 * Passport strategy `webauthn`: a step-up with a passkey assertion (`req.body.response`, from
 * `startAuthentication`) against the challenge issued by `/webauthn/authentication/options`.
 * Use with `{ session: false }`: a valid assertion finishes the step-up (as stepguard's own route does).
 */
export class WebAuthnStrategy extends Strategy {
  name = 'webauthn';
  private readonly guard: StepGuard;

  constructor(options: { guard: StepGuard }) {
    super();
    if (!options?.guard) throw new TypeError('WebAuthnStrategy requires options.guard (the object createStepGuard returned)');
    this.guard = options.guard;
  }

  override authenticate(req: Request): void {
    const userId = this.guard.config.getUserId(req);
    const response = (req.body as Record<string, unknown> | undefined)?.response as { id?: unknown } | undefined;
    const state = userId ? readState(req, userId) : undefined;
    if (!userId) return refuse(this, 'unauthenticated');
    if (!response || typeof response !== 'object' || typeof response.id !== 'string') return refuse(this, 'invalid_request');
    if (!state) return refuse(this, 'no_challenge');
    finishStrategy(this, req, this.guard, 'swk', this.guard.service.finishPasskeyAuthentication({ userId, bindingId: state.bindingId, response: response as never, context: requestContext(req) }));
  }
}
