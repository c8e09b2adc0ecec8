import { createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import type { StepGuardConfig } from '../config';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { readCookie } from './readCookie';

/**
 * The "remember this device" cookie: `<id>.<HMAC(user, id)>`, httpOnly. Bound to the user, so a
 * shared browser does not carry one user's trust to another; the server record (revocable)
 * decides whether it still counts.
 */
export function trustedDeviceCookie(config: StepGuardConfig) {
  const name = config.trustedDevices.cookieName;
  const sign = (userId: string, id: string) => createHmac('sha256', config.secrets.sessionSecret).update(`trust:${userId}:${id}`).digest('base64url').slice(0, 27);
  return {
    read(req: Request, userId: string): string | null {
      const [id, mac] = readCookie(req, name)?.split('.') ?? [];
      return id && mac && /^[A-Za-z0-9_-]{22}$/.test(id) && constantTimeEqual(mac, sign(userId, id)) ? id : null;
    },
    set(res: Response, userId: string, id: string, expiresAtMs: number): void {
      res.cookie(name, `${id}.${sign(userId, id)}`, {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.http.secureCookies,
        path: '/',
        maxAge: Math.max(0, expiresAtMs - config.clock.nowMs()),
      });
    },
  };
}
