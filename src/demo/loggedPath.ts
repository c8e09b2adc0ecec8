/**
 * The path as the demo logs it: ids that stand for someone's sign-in in progress (an OIDC
 * interaction or session handle, a stashed form's continue id) are replaced by `:id`, so a log
 * reader cannot pick one up. Query strings are never logged at all.
 */
export function loggedPath(path: string): string {
  return path.replace(/^(\/oidc\/(?:interaction|session|auth|token)\/)[^/]+/, '$1:id').replace(/^(\/auth\/2fa\/continue\/)[^/]+/, '$1:id');
}
