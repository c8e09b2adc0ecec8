import { canonicalForwardedParts } from './canonicalForwardedParts';
import { canonicalForwardedUrl, MAX_FORWARDED_URL_LENGTH } from './canonicalForwardedUrl';
import { canonicalHost } from './canonicalHost';
import { canonicalPath } from './canonicalPath';
import type { CanonicalForwardedRequest, ForwardedRequestProblem } from './types';

/**
 * The forwarding headers as received, each with every value it was sent with (Node's
 * `req.headersDistinct`), so a repeated header is seen instead of joined with a comma.
 */
export type ForwardedHeaders = Readonly<Partial<Record<'x-original-url' | 'x-forwarded-proto' | 'x-forwarded-host' | 'x-forwarded-uri', readonly string[]>>>;

const NAMES = {
  'x-original-url': 'X-Original-URL',
  'x-forwarded-proto': 'X-Forwarded-Proto',
  'x-forwarded-host': 'X-Forwarded-Host',
  'x-forwarded-uri': 'X-Forwarded-Uri',
} as const;

/**
 * The request a proxy asks about, in canonical form: the one function every forward-auth path
 * reads the original request through. nginx sends `X-Original-URL`; Traefik sends
 * `X-Forwarded-Proto`, `-Host` and `-Uri`. When both are present (a client's own X-Forwarded-*
 * headers travel through nginx's `auth_request`) they must agree on the host name and path, or
 * the request is refused: answering for one while the upstream serves the other is how rules get
 * skipped. A header sent twice, a missing or unreadable URL: refused too, never a guess.
 */
export function canonicalForwardedRequest(headers: ForwardedHeaders): { ok: true; request: CanonicalForwardedRequest } | ForwardedRequestProblem {
  const single: Partial<Record<keyof typeof NAMES, string>> = {};
  for (const key of Object.keys(NAMES) as (keyof typeof NAMES)[]) {
    const values = headers[key];
    if (!values || values.length === 0) continue;
    if (values.length > 1) return { ok: false, field: NAMES[key], problem: 'was sent more than once' };
    const value = values[0] as string;
    if (value.length > MAX_FORWARDED_URL_LENGTH) return { ok: false, field: NAMES[key], problem: `is longer than ${MAX_FORWARDED_URL_LENGTH} characters` };
    single[key] = value;
  }
  const proto = single['x-forwarded-proto']?.toLowerCase();
  if (proto !== undefined && proto !== 'http' && proto !== 'https') return { ok: false, field: NAMES['x-forwarded-proto'], problem: 'must be http or https' };
  const forwardedHost = single['x-forwarded-host'];
  const forwardedUri = single['x-forwarded-uri'];

  if (single['x-original-url'] !== undefined) {
    const read = canonicalForwardedUrl(single['x-original-url'], NAMES['x-original-url']);
    if (!read.ok) return read;
    // Host names only: a load balancer's X-Forwarded-Host may name a port nginx's $host drops.
    if (forwardedHost !== undefined) {
      const host = canonicalHost(forwardedHost);
      if (!host.ok || host.hostname !== read.request.hostname) {
        return { ok: false, field: NAMES['x-forwarded-host'], problem: 'names another host than X-Original-URL' };
      }
    }
    if (forwardedUri !== undefined) {
      const path = canonicalPath(forwardedUri.split(/[?#]/)[0] as string);
      if (!path.ok || path.path !== read.request.path) return { ok: false, field: NAMES['x-forwarded-uri'], problem: 'names another path than X-Original-URL' };
    }
    return read;
  }
  if (forwardedHost === undefined || forwardedUri === undefined) {
    return { ok: false, field: NAMES['x-original-url'], problem: 'or X-Forwarded-Host and X-Forwarded-Uri must name the original request' };
  }
  if (forwardedHost.includes('@')) return { ok: false, field: NAMES['x-forwarded-host'], problem: 'must not carry user info (user@host)' };
  if (/[/\\?#]/.test(forwardedHost)) return { ok: false, field: NAMES['x-forwarded-host'], problem: 'must be a host and optional port only' };
  return canonicalForwardedParts((proto ?? 'http') as 'http' | 'https', forwardedHost, forwardedUri, { host: NAMES['x-forwarded-host'], path: NAMES['x-forwarded-uri'] });
}
