/**
 * Whether a request path lies under `basePath` as Express's own `app.use(basePath, ...)`
 * decides it (case-insensitive for ASCII letters, at a segment boundary, on the raw path, not
 * decoded), so stepguard's mount can skip its router for every other request of the host
 * without entering it (issue 12). It may say yes where Express says no (the router then passes
 * the request on, as before); never the other way round: test/unit/basePathMatcher.property.test.ts
 * checks that against Express itself. `basePath` is config-checked to `/[a-zA-Z0-9/_-]*`.
 */
export function basePathMatcher(basePath: string): (path: string) => boolean {
  const base = asciiLower(basePath.replace(/\/+$/, ''));
  if (base === '') return () => true;
  const withSlash = `${base}/`;
  return (path) => {
    if (path.length < base.length) return false;
    const lowered = asciiLower(path);
    return lowered === base || lowered.startsWith(withSlash);
  };
}

/** A-Z to a-z only: the case folding Express's non-Unicode `i` match applies to an ASCII base path. */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}
