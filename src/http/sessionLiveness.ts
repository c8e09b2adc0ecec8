import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StepGuardConfig } from '../config';
import type { StepGuardService } from '../service/createStepGuardService';
import { readState } from './sessionState';

const checked = new WeakMap<Request, Promise<boolean>>();

/**
 * Whether the session on this request is still valid (not logged out, not under a "sign out
 * everywhere"), asked of the revocation store once per request however many checks run. A
 * signed-in session without stepguard state (the host signed in without `guard.firstFactor()`)
 * is checked as one issued under generation 0, so a "sign out everywhere" ends it too.
 * A dead session is signed out on the spot: its data is replaced by an empty session under a
 * new id and `req.user` cleared, so neither this request nor any later one with the same cookie
 * finds the user in it, whichever check saw it first.
 */
export function sessionLive(service: StepGuardService, req: Request, userId: string): Promise<boolean> {
  const known = checked.get(req);
  if (known) return known;
  const state = readState(req, userId);
  const answer = service.isSessionLive({ userId, bindingId: state?.bindingId ?? '', generation: state?.generation ?? 0 }).then(async (live) => {
    if (!live) await signOutDeadSession(req);
    return live;
  });
  checked.set(req, answer);
  return answer;
}

async function signOutDeadSession(req: Request): Promise<void> {
  (req as Request & { user?: unknown }).user = undefined;
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

let warnedAboutOrder = false;

/**
 * Middleware run by `guard.router()` on every request: a request whose session was revoked
 * (logout elsewhere, sign out everywhere, a factor removed) continues as signed out. Mounted
 * before `passport.session()` it still works — the session's stepguard state names the user —
 * and says once that the order is unusual.
 */
export function createSessionCheck(config: StepGuardConfig, service: StepGuardService): RequestHandler {
  return async function stepguardSessionCheck(req: Request, _res: Response, next: NextFunction): Promise<void> {
    try {
      const signedIn = config.getUserId(req);
      const stateUser = req.session?.stepguard?.userId;
      if (!signedIn && stateUser && !warnedAboutOrder) {
        warnedAboutOrder = true;
        config.logger?.warn({ event: 'mounting_order' }, 'guard.router() runs before passport.session() (or the user was signed out without guard.signOut): mount it after passport.session()');
      }
      const userId = signedIn ?? stateUser;
      if (!userId || !req.session) return next();
      await sessionLive(service, req, userId);
      next();
    } catch (err) {
      next(err);
    }
  };
}
