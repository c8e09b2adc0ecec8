import type { Request } from 'express';

/**
 * The page a stepguard form was posted from, so a refused post (sign in again, an out-of-date
 * form) can send the browser back to it: `POST <base>/phone/verify` -> `<base>/phone`. `null`
 * for requests outside stepguard's routes.
 */
export function formPageOf(basePath: string, req: Pick<Request, 'originalUrl'>): string | null {
  const path = (req.originalUrl ?? '').split('?')[0] as string;
  if (path !== basePath && !path.startsWith(`${basePath}/`)) return null;
  const rest = path.slice(basePath.length) || '/';
  if (rest === '/sms/verify' || rest === '/sms') return `${basePath}/sms`;
  if (rest === '/phone' || rest.startsWith('/phone/')) return `${basePath}/phone`;
  if (
    rest === '/totp/setup' ||
    rest === '/totp/confirm' ||
    rest === '/backup-codes' ||
    rest === '/factors' ||
    ['/factors/', '/trusted-devices/', '/sessions/', '/webauthn/registration/'].some((prefix) => rest.startsWith(prefix))
  ) {
    return `${basePath}/factors`;
  }
  return basePath;
}
