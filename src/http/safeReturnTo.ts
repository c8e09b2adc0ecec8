const PROBE_ORIGIN = 'http://stepguard.invalid';

/**
 * `value` as a same-origin path (`/account?tab=1`), or as an absolute URL when its origin is
 * one of `allowedOrigins` (apps behind a forward-auth gateway); `null` for anything else: other
 * origins, scheme-relative URLs, backslash tricks, control characters, or too long. The one
 * place returnTo is checked; every redirect goes through it.
 */
export function safeReturnTo(value: unknown, allowedOrigins: readonly string[] = []): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  if (value.includes('\\')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  if (/^https?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      return allowedOrigins.includes(url.origin) ? url.href : null;
    } catch {
      return null;
    }
  }
  if (!value.startsWith('/') || value.startsWith('//')) return null;
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PROBE_ORIGIN) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
