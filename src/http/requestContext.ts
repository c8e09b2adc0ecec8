import type { Request } from 'express';
import type { RequestContext } from '../audit/createAuditWriter';

/**
 * Who is asking, for audit records. `req.ip` follows Express' `trust proxy` setting, so a
 * client cannot choose its recorded address with X-Forwarded-For unless the proxy is trusted.
 */
export function requestContext(req: Request): RequestContext {
  const requestId = req.get('x-request-id');
  return {
    requestId: requestId && /^[\w.:-]{1,128}$/.test(requestId) ? requestId : null,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
    deviceId: null,
  };
}
