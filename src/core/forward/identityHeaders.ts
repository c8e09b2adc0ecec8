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

const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

/**
 * One header value that cannot split a header, smuggle a second one or be read two ways:
 * printable ASCII without `%` is sent as it is; anything else (UTF-8 names, control characters,
 * `%`) is sent percent-encoded, so an upstream that always URL-decodes reads the original.
 */
export function headerValue(raw: string): string {
  const value = raw.trim();
  return PLAIN.test(value) ? value : encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
}

/** encodeURIComponent throws on half a UTF-16 pair; a name holding one is shown with U+FFFD instead. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The identity headers for an allowed request. `Remote-User` falls back to the internal user id
 * when the host gives no username; groups are comma-separated, each encoded on its own, so a
 * comma inside a group name cannot create a group. Values longer than 1 KiB are left out.
 */
export function identityHeaders(userId: string, identity: UserIdentity | null | undefined, names: IdentityHeaderNames): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (name: string, value: string | undefined) => {
    if (value === undefined || value.length === 0 || value.length > 1024) return;
    headers[name] = value;
  };
  put(names.user, headerValue(typeof identity?.username === 'string' && identity.username.trim() ? identity.username : userId));
  if (typeof identity?.email === 'string') put(names.email, headerValue(identity.email));
  if (typeof identity?.name === 'string') put(names.name, headerValue(identity.name));
  if (Array.isArray(identity?.groups)) {
    const groups = identity.groups.filter((g): g is string => typeof g === 'string' && g.trim().length > 0);
    put(names.groups, groups.map((g) => (g.includes(',') ? encodeURIComponent(g.trim()) : headerValue(g))).join(','));
  }
  return headers;
}
