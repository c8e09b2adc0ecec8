import type { Request, Response } from 'express';
import { ERRORS, errorBody, type ErrorCode } from '../errors';
import type { ViewRenderer } from './renderView';

/** Whether the client asked for a page rather than JSON (a browser navigating or posting a form). */
export function wantsHtml(req: Request): boolean {
  const accept = req.headers.accept;
  // The answers negotiation gives without running it (no Accept, an API client's, anything):
  // JSON comes first in the list, so only a header naming html or a text wildcard can pick HTML.
  if (accept === undefined || accept === '*/*' || accept === 'application/json') return false;
  return req.accepts(['json', 'html']) === 'html';
}

/**
 * Answers with an error: `{ error: { code, message, ...details } }` for API clients, the error
 * page for browsers. `retryAfterSeconds` also becomes a `Retry-After` header. `page` is for the
 * error page only: where "sign in again" or "back" returns to, and which factor the words are for.
 */
export async function sendError(
  req: Request,
  res: Response,
  render: ViewRenderer,
  code: ErrorCode,
  details: Record<string, unknown> = {},
  page: { returnTo?: string; context?: string } = {},
): Promise<void> {
  const { status, message } = ERRORS[code];
  if (typeof details.retryAfterSeconds === 'number') res.set('Retry-After', String(details.retryAfterSeconds));
  if (!wantsHtml(req)) {
    res.status(status).json(errorBody(code, details));
    return;
  }
  // The page's words come from the page catalogue in the reader's language; `message` is the fallback.
  res.status(status).type('html').send(await render('error', { code, message, details, returnTo: page.returnTo, errorContext: page.context }, req));
}
