import { canonicalHost } from './canonicalHost';
import { canonicalPath } from './canonicalPath';
import type { CanonicalForwardedRequest, ForwardedRequestProblem } from './types';

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * The canonical request from its parts: a scheme, an authority (`host[:port]`) and a request
 * target (path and query, `#fragment` dropped). Shared by `X-Original-URL` and Traefik's
 * `X-Forwarded-Proto`, `-Host` and `-Uri`, so both spellings meet one canonical form.
 */
export function canonicalForwardedParts(
  scheme: 'http' | 'https',
  authority: string,
  target: string,
  fields: { host: string; path: string },
): { ok: true; request: CanonicalForwardedRequest } | ForwardedRequestProblem {
  const host = canonicalHost(authority);
  if (!host.ok) return { ok: false, field: fields.host, problem: `host ${host.problem}` };
  const withoutFragment = target.split('#')[0] as string;
  const queryStart = withoutFragment.indexOf('?');
  const rawPath = queryStart < 0 ? withoutFragment : withoutFragment.slice(0, queryStart);
  const rawSearch = queryStart < 0 ? '' : withoutFragment.slice(queryStart);
  const path = canonicalPath(rawPath);
  if (!path.ok) return { ok: false, field: fields.path, problem: `path ${path.problem}` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rawSearch) || /[^\u0000-\u00ff]/.test(rawSearch)) {
    return { ok: false, field: fields.path, problem: 'query has a control character' };
  }
  const search = rawSearch.replace(/[^\u0021-\u007e]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const port = host.port ?? DEFAULT_PORT[scheme];
  const shownPort = port === DEFAULT_PORT[scheme] ? '' : `:${port}`;
  return {
    ok: true,
    request: { scheme, hostname: host.hostname, port, path: path.path, search, href: `${scheme}://${host.hostname}${shownPort}${path.path}${search}` },
  };
}
