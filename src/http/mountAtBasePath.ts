import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { StepGuardConfigError } from '../errors';

/**
 * Middleware the host mounts with a bare `app.use(...)` that places `handlers` at `path` itself,
 * so the base path is given once (`http.basePath`); `everyRequest` runs for every request first. Mounted under a path of the host's
 * (`app.use('/auth/2fa', guard.router())`), it would answer at `/auth/2fa/auth/2fa/...`: that
 * mistake is an error on the first request instead of a silent 404.
 */
export function mountAtBasePath(factoryName: string, path: string, handler: RequestHandler, everyRequest: RequestHandler[] = []): RequestHandler {
  const outer = express.Router();
  if (everyRequest.length > 0) outer.use(everyRequest);
  outer.use(path, handler);
  return function stepguardMount(req: Request, res: Response, next: NextFunction): void {
    if (req.baseUrl) {
      return next(
        new StepGuardConfigError(
          `stepguard: mount ${factoryName} with app.use(${factoryName}) at the top level, not under '${req.baseUrl}': it places itself at http.basePath ('${path}')`,
        ),
      );
    }
    outer(req, res, next);
  };
}
