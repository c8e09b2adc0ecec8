import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StepGuardConfig } from '../config';
import type { StepGuardService } from '../service/createStepGuardService';
import { readState } from './sessionState';

const checked = new WeakMap<Request, Promise<boolean>>();

/**
 * Whether the session on this request is still valid (not logged out, not under a "sign out
 * everywhere"), asked of the revocation store once per request however many checks run. A
 * session without stepguard state holds nothing stepguard granted, so it has nothing to lose.
 * A dead session's stepguard state is dropped at once, so nothing on this request counts it.
 */
export function sessionLive(service: StepGuardService, req: Request, userId: string): Promise<boolean> {
  const known = checked.get(req);
  if (known) return known;
  const state = readState(req, userId);
  const answer = state
    ? service.isSessionLive({ userId, bindingId: state.bindingId, generation: state.generation ?? 0 }).then((live) => {
        if (!live && req.session) delete req.session.stepguard;
        return live;
      })
    : Promise.resolve(true);
  checked.set(req, answer);
  return answer;
}

/**
 * Middleware for the host, after `passport.session()`: a request whose session was revoked
 * (logout elsewhere, sign out everywhere, a factor removed) continues as signed out — its
 * session is replaced by an empty one, so neither stepguard nor the host's `req.user` trusts it.
 */
export function createSessionCheck(config: StepGuardConfig, service: StepGuardService): RequestHandler {
  return async function stepguardSessionCheck(req: Request, _res: Response, next: NextFunction): Promise<void> {
    try {
      const userId = config.getUserId(req);
      if (!userId || !req.session || (await sessionLive(service, req, userId))) return next();
      req.session.regenerate((err) => {
        if (err) return next(err);
        (req as Request & { user?: unknown }).user = undefined;
        next();
      });
    } catch (err) {
      next(err);
    }
  };
}
