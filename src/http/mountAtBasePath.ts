import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { StepGuardConfigError } from '../errors';
import { basePathMatcher } from './basePathMatcher';

/**
 * Middleware the host mounts with a bare `app.use(...)` that places `handlers` at `path` itself,
 * so the base path is given once (`http.basePath`); `everyRequest` runs for every request first. Mounted under a path of the host's
 * (`app.use('/auth/2fa', guard.router())`), it would answer at `/auth/2fa/auth/2fa/...`: that
 * mistake is an error on the first request instead of a silent 404.
 */
export function mountAtBasePath(factoryName: string, path: string, handler: RequestHandler, everyRequest: RequestHandler[] = []): RequestHandler {
  const outer = express.Router();
  outer.use(path, handler);
  // Every other request of the host passes by without entering a router (issue 12).
  const under = basePathMatcher(path);
  const enter = (req: Request, res: Response, next: NextFunction): void => {
    if (under(req.path)) outer(req, res, next);
    else next();
  };
  const run = (index: number, req: Request, res: Response, next: NextFunction): void => {
    const middleware = everyRequest[index];
    if (!middleware) return enter(req, res, next);
    try {
      // As a router would: a throw or a rejected promise goes to the error handler.
      const returned = middleware(req, res, (err?: unknown) => (err ? next(err) : run(index + 1, req, res, next))) as unknown;
      // As the router does too: a rejection without a reason is still an error, never a pass.
      if (returned instanceof Promise) returned.catch((err: unknown) => next(err || new Error(`stepguard: ${factoryName} middleware rejected without a reason`)));
    } catch (err) {
      next(err);
    }
  };
  return function stepguardMount(req: Request, res: Response, next: NextFunction): void {
    if (req.baseUrl) {
      return next(
        new StepGuardConfigError(
          `stepguard: mount ${factoryName} with app.use(${factoryName}) at the top level, not under '${req.baseUrl}': it places itself at http.basePath ('${path}')`,
        ),
      );
    }
    run(0, req, res, next);
  };
}
