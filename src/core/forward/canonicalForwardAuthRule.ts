import { canonicalHost } from './canonicalHost';
import { canonicalPath } from './canonicalPath';
import type { CanonicalForwardAuthRule } from './types';

/**
 * A configured rule in the canonical form requests are matched in, or what is wrong with it
 * (`field` is `host` or `pathPrefix`). A host is lower-cased and loses a trailing dot like a
 * request's; a path prefix is canonicalised like a request path and loses a trailing slash, so
 * `/admin/` and `/admin` are one rule. A prefix with a query, a fragment, or anything a request
 * path would be refused for is refused here too: it could never match as written.
 */
export function canonicalForwardAuthRule(rule: { host?: string | undefined; pathPrefix: string; action: string }):
  | { ok: true; rule: CanonicalForwardAuthRule }
  | { ok: false; field: 'host' | 'pathPrefix'; problem: string } {
  let hostPart: { hostname?: string; port?: number } = {};
  if (rule.host !== undefined) {
    const host = canonicalHost(rule.host);
    if (!host.ok) return { ok: false, field: 'host', problem: `"${rule.host}" ${host.problem}; give a host name such as "payroll.example.com" (optionally with ":port")` };
    hostPart = host.port === null ? { hostname: host.hostname } : { hostname: host.hostname, port: host.port };
  }
  if (/[?#]/.test(rule.pathPrefix)) return { ok: false, field: 'pathPrefix', problem: `"${rule.pathPrefix}" has a query or fragment; give a path such as "/admin"` };
  const path = canonicalPath(rule.pathPrefix);
  if (!path.ok) return { ok: false, field: 'pathPrefix', problem: `"${rule.pathPrefix}" ${path.problem}; give a path such as "/admin"` };
  const pathPrefix = path.path.length > 1 && path.path.endsWith('/') ? path.path.slice(0, -1) : path.path;
  return { ok: true, rule: { ...hostPart, pathPrefix, action: rule.action } };
}
