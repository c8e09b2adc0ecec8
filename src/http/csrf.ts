import { createHmac, hkdfSync } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { newRandomId, type RandomSource } from '../core/random';
import { errorBody } from '../errors';
import { readCookie } from './readCookie';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type Csrf = {
  /** The token for this browser, setting its cookie when it has none. */
  token(req: Request, res: Response): string;
  /** Refuses a state-changing request whose token is missing or wrong with `403 csrf_failed`. */
  protect: RequestHandler;
};

/**
 * Signed double-submit CSRF protection: a random nonce in an httpOnly cookie and a token
 * `nonce.HMAC(key, nonce)` that the page or client echoes in `x-csrf-token` (or `_csrf`). A
 * cross-site page can neither read the token nor forge one for a cookie it cannot see, and
 * the token outlives session-id regeneration.
 */
export function createCsrf(options: {
  secret: string;
  cookieName: string;
  secure: boolean;
  random: RandomSource;
  /** How a refusal is answered. @default a JSON 403 `csrf_failed` */
  reject?: (req: Request, res: Response) => void;
}): Csrf {
  const key = Buffer.from(hkdfSync('sha256', options.secret, 'stepguard', 'csrf-token-v1', 32));
  const sign = (nonce: string) => createHmac('sha256', key).update(nonce).digest('base64url');

  const nonceOf = (req: Request): string | undefined => {
    const fromCookie = readCookie(req, options.cookieName);
    return fromCookie && /^[A-Za-z0-9_-]{22}$/.test(fromCookie) ? fromCookie : undefined;
  };

  function token(req: Request, res: Response): string {
    let nonce = (res.locals.stepguardCsrfNonce as string | undefined) ?? nonceOf(req);
    if (!nonce) {
      nonce = newRandomId(options.random);
      res.cookie(options.cookieName, nonce, { httpOnly: true, sameSite: 'lax', secure: options.secure, path: '/' });
    }
    res.locals.stepguardCsrfNonce = nonce;
    return `${nonce}.${sign(nonce)}`;
  }

  function protect(req: Request, res: Response, next: NextFunction): void {
    if (SAFE_METHODS.has(req.method)) return next();
    const header = req.get('x-csrf-token');
    const field = (req.body as Record<string, unknown> | undefined)?._csrf;
    const presented = header ?? (typeof field === 'string' ? field : undefined);
    const nonce = nonceOf(req);
    if (presented && nonce && presented.length < 200) {
      const [tokenNonce, mac] = presented.split('.');
      if (tokenNonce && mac && constantTimeEqual(tokenNonce, nonce) && constantTimeEqual(mac, sign(nonce))) return next();
    }
    if (options.reject) options.reject(req, res);
    else res.status(403).json(errorBody('csrf_failed'));
  }

  return { token, protect };
}
