/** A forwarded request in canonical form: what forward-auth rules are matched against. */
export type CanonicalForwardedRequest = Readonly<{
  scheme: 'http' | 'https';
  /** Lower case, no trailing dot, IDN as punycode, IPv6 in brackets. */
  hostname: string;
  /** The port the client named, or the scheme's default (80 / 443). */
  port: number;
  /**
   * Percent-decoded exactly once, backslashes read as slashes, repeated slashes collapsed, dot
   * segments resolved, then re-encoded: ASCII only, `%XX` in upper case for every byte outside
   * RFC 3986 `pchar` (and for `%` itself), so the same path always has the same spelling.
   */
  path: string;
  /** The query as sent (`?` included, bytes outside printable ASCII percent-encoded), or ''. */
  search: string;
  /** `scheme://hostname[:port]path search`; the port only when it is not the default. */
  href: string;
}>;

/** Why a forwarded request cannot be read; it becomes `400 invalid_request`. */
export type ForwardedRequestProblem = { ok: false; field: string; problem: string };

/** A forward-auth rule after start-up validation: every field in canonical form. */
export type CanonicalForwardAuthRule = Readonly<{
  /** Absent: any host. */
  hostname?: string;
  /** Absent: any port. */
  port?: number;
  /** A canonical path without a trailing slash (`/` alone matches every path). */
  pathPrefix: string;
  action: string;
}>;
