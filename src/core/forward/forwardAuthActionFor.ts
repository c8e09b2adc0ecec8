import type { CanonicalForwardAuthRule, CanonicalForwardedRequest } from './types';

/**
 * The action of the first rule that matches a canonical request; `login` when none does.
 * A rule's host matches whatever the port unless the rule names one. A path prefix matches on
 * segment boundaries: `/admin` matches `/admin`, `/admin/` and `/admin/x`, never
 * `/administrator`. Paths compare case-insensitively unless `caseSensitivePaths` (canonical paths
 * are ASCII, so this is ASCII case folding: what Express and most routers do).
 */
export function forwardAuthActionFor(
  rules: readonly CanonicalForwardAuthRule[],
  request: CanonicalForwardedRequest,
  options: { caseSensitivePaths: boolean },
): string {
  const fold = (s: string) => (options.caseSensitivePaths ? s : s.toLowerCase());
  const path = fold(request.path);
  for (const rule of rules) {
    if (rule.hostname !== undefined && rule.hostname !== request.hostname) continue;
    if (rule.port !== undefined && rule.port !== request.port) continue;
    const prefix = fold(rule.pathPrefix);
    if (prefix === '/' || path === prefix || path.startsWith(`${prefix}/`)) return rule.action;
  }
  return 'login';
}
