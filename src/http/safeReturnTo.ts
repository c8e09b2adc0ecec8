/** Stands in for the app's origin when none is given: any http(s) origin resolves paths alike. */
const PROBE_ORIGIN = 'http://stepguard.invalid';
const MAX_LENGTH = 2048;
// C0 controls (tab, CR, LF among them), DEL, and the backslash: WHATWG URL parsing strips tabs
// and newlines and reads `\` as `/`, so a browser and a naive check would see different paths.
// eslint-disable-next-line no-control-regex
const REFUSED_CHARACTERS = /[\u0000-\u001f\u007f\\]/;
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/**
 * `value` as a normalised same-origin path (`/account?tab=1`), or as an absolute URL when it
 * names one of `allowedOrigins` (the app itself and, behind a forward-auth gateway, its
 * upstreams; config puts appOrigin first); `null` for anything else: other origins,
 * scheme-relative URLs, paths that normalise to `//host` or `/\host` (`/.//evil`,
 * `/%2e%2e//evil`, `/a/..//evil`), backslashes, control characters, or too long.
 *
 * The candidate is resolved with WHATWG URL (what browsers do) and the *normalised result* is
 * what gets checked and returned, so a path can never turn into another origin after the check.
 * The one place returnTo is checked; every redirect target built from input goes through it.
 */
export function safeReturnTo(value: unknown, allowedOrigins: readonly string[] = []): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null;
  if (REFUSED_CHARACTERS.test(value)) return null;

  if (HAS_SCHEME.test(value)) {
    const url = parse(value);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
    return allowedOrigins.includes(url.origin) && url.href.length <= MAX_LENGTH ? url.href : null;
  }

  // Relative: only a path from the root; `account` or `?x` would depend on the current page.
  if (!value.startsWith('/')) return null;
  const base = allowedOrigins[0] ?? PROBE_ORIGIN;
  const url = parse(value, base);
  if (!url || url.origin !== new URL(base).origin) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Checked after normalisation: `/.//evil.example` resolves to the path `//evil.example`, which
  // a browser reads as another host.
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return null;
  return path.length <= MAX_LENGTH ? path : null;
}

function parse(value: string, base?: string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}
