import { createHmac, hkdfSync } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { newRandomId, type RandomSource } from '../core/random';
import { errorBody } from '../errors';
import { SESSION_CSRF_KEY } from './sessionState';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** 32 random bytes, base64url. */
const SESSION_SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_TOKEN_LENGTH = 200;

export type Csrf = {
  /**
   * A token bound to this session, for the page or JSON answer being built. Creates the
   * session's CSRF secret when it has none (which makes express-session save even an anonymous
   * session, so a visitor can fetch a token and then post the login form).
   */
  token(req: Request, res: Response): string;
  /** Refuses a state-changing request whose token is missing or not bound to this session with `403 csrf_failed`. */
  protect: RequestHandler;
};

/**
 * Session-bound CSRF tokens. The session holds a random secret (under `SESSION_CSRF_KEY`); a
 * token is `nonce.HMAC(key, secret + nonce)`, echoed in `x-csrf-token` (or `_csrf`). Nothing
 * lives in a cookie, so a cookie planted by a sibling subdomain or a network attacker cannot
 * pair with the attacker's own token; a token from one session is worthless in another. The
 * secret is dropped whenever the session id is regenerated (login, a step-up that raises the
 * level: see sessionState.ts), so tokens seen before either stop working after it.
 */
export function createCsrf(options: {
  secret: string;
  random: RandomSource;
  /** How a refusal is answered. @default a JSON 403 `csrf_failed` */
  reject?: (req: Request, res: Response) => void;
}): Csrf {
  const key = Buffer.from(hkdfSync('sha256', options.secret, 'stepguard', 'csrf-token-v2', 32));
  const sign = (sessionSecret: string, nonce: string) => createHmac('sha256', key).update(`${sessionSecret}.${nonce}`).digest('base64url');

  const sessionValues = (req: Request): Record<string, unknown> | undefined => req.session as unknown as Record<string, unknown> | undefined;
  const secretOf = (req: Request): string | undefined => {
    const value = sessionValues(req)?.[SESSION_CSRF_KEY];
    return typeof value === 'string' && SESSION_SECRET_PATTERN.test(value) ? value : undefined;
  };

  function token(req: Request, _res: Response): string {
    const session = sessionValues(req);
    if (!session) throw new Error('stepguard needs express-session (req.session is missing): mount it before stepguard');
    let secret = secretOf(req);
    if (!secret) {
      secret = options.random.bytes(32).toString('base64url');
      session[SESSION_CSRF_KEY] = secret;
    }
    const nonce = newRandomId(options.random);
    return `${nonce}.${sign(secret, nonce)}`;
  }

  function protect(req: Request, res: Response, next: NextFunction): void {
    if (SAFE_METHODS.has(req.method)) return next();
    const header = req.get('x-csrf-token');
    const field = (req.body as Record<string, unknown> | undefined)?._csrf;
    const presented = header ?? (typeof field === 'string' ? field : undefined);
    const secret = secretOf(req);
    if (presented && secret && presented.length < MAX_TOKEN_LENGTH) {
      const [nonce, mac, extra] = presented.split('.');
      if (nonce && mac && extra === undefined && constantTimeEqual(mac, sign(secret, nonce))) return next();
    }
    if (options.reject) options.reject(req, res);
    else res.status(403).json(errorBody('csrf_failed'));
  }

  return { token, protect };
}
