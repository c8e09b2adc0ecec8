import type { ErrorRequestHandler } from 'express';
import { ERRORS, type ErrorCode, type Logger } from '../index';

/**
 * The demo's own last error handler (stepguard answers only its own routes' errors and store
 * outages): a body the parsers refused is the client's 4xx, anything else a 500 that reveals nothing.
 */
export function demoErrorHandler(logger: Logger): ErrorRequestHandler {
  return function demoErrors(err, req, res, next) {
    if (res.headersSent) return next(err);
    const { code, details } = classify(err);
    if (code === 'internal') logger.error({ event: 'unhandled_error', err: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }, 'Unhandled error');
    const { status, message } = ERRORS[code];
    if (req.accepts(['json', 'html']) === 'html') return res.status(status).type('text').send(message);
    res.status(status).json({ error: { code, message, ...details } });
  };
}

function classify(err: unknown): { code: ErrorCode; details?: Record<string, unknown> } {
  const e = err as { type?: string; status?: number; statusCode?: number };
  if (e?.type === 'entity.parse.failed') return { code: 'invalid_request', details: { field: '(body)', problem: 'is not valid JSON' } };
  if (e?.type === 'entity.too.large') return { code: 'payload_too_large' };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return { code: 'unsupported_media_type' };
  if (e?.type === 'parameters.too.many') return { code: 'invalid_request', details: { field: '(body)', problem: 'has too many fields' } };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { code: status === 404 ? 'not_found' : 'invalid_request' };
  return { code: 'internal' };
}
