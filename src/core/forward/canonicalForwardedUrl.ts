import { canonicalForwardedParts } from './canonicalForwardedParts';
import type { CanonicalForwardedRequest, ForwardedRequestProblem } from './types';

/** Longer than any URL a proxy forwards for a real page; refused rather than parsed. */
export const MAX_FORWARDED_URL_LENGTH = 4096;

/**
 * Reads one absolute `http(s)://host[:port]/path?query` URL (nginx's `X-Original-URL`) into its
 * canonical form. The authority ends at the first `/`, `\`, `?` or `#`, as WHATWG URL reads it;
 * a fragment is dropped (it never reaches a server). `field` names the header in a problem.
 */
export function canonicalForwardedUrl(raw: string, field = 'X-Original-URL'): { ok: true; request: CanonicalForwardedRequest } | ForwardedRequestProblem {
  if (raw.length > MAX_FORWARDED_URL_LENGTH) return { ok: false, field, problem: `is longer than ${MAX_FORWARDED_URL_LENGTH} characters` };
  const scheme = /^(https?):\/\//i.exec(raw);
  if (!scheme) return { ok: false, field, problem: 'must be an absolute http:// or https:// URL' };
  const rest = raw.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/\\?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const target = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  if (authority.includes('@')) return { ok: false, field, problem: 'must not carry user info (user@host)' };
  return canonicalForwardedParts((scheme[1] as string).toLowerCase() as 'http' | 'https', authority, target || '/', { host: field, path: field });
}
