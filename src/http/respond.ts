import type { Request, Response } from 'express';
import { ERRORS, errorBody, type ErrorCode } from '../errors';
import type { ViewRenderer } from './renderView';

/** Whether the client asked for a page rather than JSON (a browser navigating or posting a form). */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}

/**
 * Answers with an error: `{ error: { code, message, ...details } }` for API clients, the error
 * page for browsers. `retryAfterSeconds` also becomes a `Retry-After` header.
 */
export async function sendError(
  req: Request,
  res: Response,
  render: ViewRenderer,
  code: ErrorCode,
  details: Record<string, unknown> = {},
): Promise<void> {
  const { status, message } = ERRORS[code];
  if (typeof details.retryAfterSeconds === 'number') res.set('Retry-After', String(details.retryAfterSeconds));
  if (!wantsHtml(req)) {
    res.status(status).json(errorBody(code, details));
    return;
  }
  res.status(status).type('html').send(await render('error', { title: 'Something needs attention', code, message, details }));
}
