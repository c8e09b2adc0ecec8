/** Who the signed-in user is, as upstreams behind a gateway want to see them (`getIdentity`). */
export type UserIdentity = {
  /** What `Remote-User` carries (Grafana's auth proxy, Gitea and most upstreams expect the login name). */
  username?: string;
  email?: string;
  /** Display name. */
  name?: string;
  groups?: readonly string[];
};

export type IdentityHeaderNames = { user: string; email: string; name: string; groups: string };

const PLAIN = /^[\x21-\x24\x26-\x7e](?:[\x20-\x24\x26-\x7e]*[\x21-\x24\x26-\x7e])?$/;
/** Longest value sent; a longer username falls back to the id, longer groups fail the check closed. */
const MAX_VALUE_LENGTH = 1024;
const MAX_GROUPS_LENGTH = 8192;

/**
 * One header value that cannot split a header, smuggle a second one, be read two ways, or pass
 * for another name: printable ASCII without `%` and without leading or trailing spaces is sent as
 * it is; anything else (UTF-8 names, control characters, `%`, any space at either end — ` alice`
 * and `alice\u00A0` must not read as `alice`) is sent percent-encoded, so an upstream that
 * always URL-decodes reads exactly the original. Nothing is trimmed.
 */
export function headerValue(raw: string): string {
  return PLAIN.test(raw) ? raw : encodeURIComponent(raw.replace(LONE_SURROGATE, '\uFFFD'));
}

/** encodeURIComponent throws on half a UTF-16 pair; a name holding one is shown with U+FFFD instead. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Groups longer in total than an upstream's header buffer: refusing beats sending fewer groups than the user has. */
export class IdentityTooLargeError extends Error {
  override readonly name = 'IdentityTooLargeError';
}

/**
 * The identity headers for an allowed request. `Remote-User` is the username, or the internal
 * id when the host gives none (or one longer than 1 KiB); groups are comma-separated, each
 * encoded on its own (a comma inside a group name is encoded too, so it cannot create a group).
 * Groups over 8 KiB in total throw: an upstream that denies by group must never see a partial
 * list. An over-long e-mail or display name is left out.
 */
export function identityHeaders(userId: string, identity: UserIdentity | null | undefined, names: IdentityHeaderNames): Record<string, string> {
  const headers: Record<string, string> = {};
  // A blank username is no username: the id stands in (a value of spaces would name nobody upstream).
  const username = typeof identity?.username === 'string' && identity.username.trim().length > 0 ? headerValue(identity.username) : '';
  headers[names.user] = username && username.length <= MAX_VALUE_LENGTH ? username : headerValue(userId);
  for (const [field, name] of [['email', names.email], ['name', names.name]] as const) {
    const value = identity?.[field];
    if (typeof value !== 'string' || value.length === 0) continue;
    const encoded = headerValue(value);
    if (encoded.length <= MAX_VALUE_LENGTH) headers[name] = encoded;
  }
  if (Array.isArray(identity?.groups)) {
    const groups = identity.groups
      .filter((g): g is string => typeof g === 'string' && g.length > 0)
      .map((g) => (g.includes(',') ? encodeURIComponent(g.replace(LONE_SURROGATE, '\uFFFD')) : headerValue(g)))
      .join(',');
    if (groups.length > MAX_GROUPS_LENGTH) throw new IdentityTooLargeError(`getIdentity returned ${identity.groups.length} groups, over ${MAX_GROUPS_LENGTH} bytes as a header`);
    if (groups) headers[names.groups] = groups;
  }
  return headers;
}
