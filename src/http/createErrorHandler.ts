import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../config';
import type { ErrorCode } from '../errors';
import { StoreUnavailableError } from '../service/StoreUnavailableError';
import type { ViewRenderer } from './renderView';
import { sendError } from './respond';

/**
 * The last middleware: turns what went wrong into the error body. Malformed input is the
 * client's (4xx); a store that cannot answer is `503` (fail closed); anything else is a bug,
 * logged with its stack, and a `500` that reveals nothing.
 */
export function createErrorHandler(render: ViewRenderer, logger: Logger | undefined): ErrorRequestHandler {
  return function stepguardErrorHandler(err, req, res, next) {
    if (res.headersSent) return next(err);
    const { code, details } = classify(err);
    if (code === 'service_unavailable') {
      logger?.warn({ event: 'store_unavailable', err: describe(err) }, 'A store is unavailable; failing closed');
    } else if (code === 'internal') {
      logger?.error({ event: 'unhandled_error', err: describe(err), stack: err instanceof Error ? err.stack : undefined }, 'Unhandled error');
    }
    sendError(req, res, render, code, details).catch(next);
  };
}

function classify(err: unknown): { code: ErrorCode; details?: Record<string, unknown> } {
  if (isStoreOutage(err)) return { code: 'service_unavailable' };
  const e = err as { type?: string; status?: number; statusCode?: number };
  switch (e?.type) {
    case 'entity.parse.failed':
      return { code: 'invalid_request', details: { field: '(body)', problem: 'is not valid JSON' } };
    case 'entity.too.large':
      return { code: 'payload_too_large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { code: 'unsupported_media_type' };
    case 'parameters.too.many':
      return { code: 'invalid_request', details: { field: '(body)', problem: 'has too many fields' } };
    default:
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { code: status === 404 ? 'not_found' : 'invalid_request' };
  }
  return { code: 'internal' };
}

/** A store that cannot answer: stepguard fails closed with `503`. */
export function isStoreOutage(err: unknown): boolean {
  return err instanceof StoreUnavailableError || isRedisConnectionError(err);
}

/** ioredis' own errors when the server is gone (offline queue disabled, retries exhausted, closed). */
export function isRedisConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Command timed out/.test(err.message);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}
