const PROBE_ORIGIN = 'http://stepguard.invalid';

/**
 * `value` as a same-origin path (`/account?tab=1`), or `null` when it is anything else: an
 * absolute or scheme-relative URL, a backslash trick, control characters, or too long. The
 * one place returnTo is checked; every redirect goes through it.
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PROBE_ORIGIN) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
