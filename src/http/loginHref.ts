/** The host's login page with `returnTo` (already checked by safeReturnTo), or the bare page when there is none. */
export function loginHref(loginPage: string, returnTo: string | null | undefined): string {
  if (!returnTo) return loginPage;
  return `${loginPage}${loginPage.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(returnTo)}`;
}
