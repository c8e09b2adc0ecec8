import type { Request, Response } from 'express';
import type { GuardInternals } from './GuardInternals';
import { formPageOf } from './formPageOf';
import { keepFormDraft } from './formDraft';
import { loginHref } from './loginHref';
import { sendError } from './respond';
import { safeReturnTo } from './safeReturnTo';

/**
 * A browser that must sign in (again) before going on. A page it asked for is a redirect to the
 * login page that comes back to it; a refused form (session ended, or the password is too old
 * to add a factor) gets a page that says why, links to the login page with `returnTo` back to
 * the form's page, and keeps what was typed (the number, never a code) for that page to refill.
 */
export async function signInAgain(
  internals: Pick<GuardInternals, 'config' | 'render'>,
  req: Request,
  res: Response,
  options: { code?: 'unauthenticated' | 'fresh_password_required'; returnTo?: string; userId?: string } = {},
): Promise<void> {
  const { config, render } = internals;
  const code = options.code ?? 'unauthenticated';
  if (code === 'unauthenticated' && (req.method === 'GET' || req.method === 'HEAD')) {
    return void res.redirect(303, loginHref(config.pages.links.login, safeReturnTo(req.originalUrl, config.http.allowedReturnOrigins)));
  }
  // Kept only for a known user, and given back only to that user: a shared browser's next person never sees it.
  if (options.userId) keepFormDraft(config, req, res, options.userId);
  const returnTo = safeReturnTo(options.returnTo ?? formPageOf(config.http.basePath, req), config.http.allowedReturnOrigins);
  await sendError(req, res, render, code, {}, returnTo ? { returnTo } : {});
}
