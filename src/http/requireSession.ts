import type { NextFunction, Request, Response } from 'express';
import { StepGuardConfigError } from '../errors';

/** `guard.router()` mounted before `session()` would see no session on any request: say so on the first one. */
export function requireSession(req: Request, _res: Response, next: NextFunction): void {
  if (req.session) return next();
  next(new StepGuardConfigError('stepguard: req.session is missing: mount guard.router() after session(...) and passport.session()'));
}
