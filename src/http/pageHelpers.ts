import type { Request } from 'express';
import type { StepGuardConfig } from '../config';
import { ERRORS } from '../errors';
import { isPageTextKey, pageErrorText, pageText, pageTextVariant, type PageLocale, type PageTextKey, type PageTextVars } from '../core/messages/pageText';
import { formPageOf } from './formPageOf';
import { safeReturnTo } from './safeReturnTo';

/** A piece of HTML built here (already escaped) for `th`. */
type Html = { html: string };

/**
 * What every stepguard page may use besides its own data: the words in the request's locale
 * (`t`, `tv` per action or factor, `th` with marked-up values, `errorText`), the host's links,
 * the login link that comes back here, and the page a refused form came from.
 */
export function pageHelpers(config: Pick<StepGuardConfig, 'http' | 'pages' | 'sms' | 'trustedDevices'>, locale: PageLocale, req: Request | undefined) {
  const esc = (value: unknown): string =>
    String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
  const known = (key: string): PageTextKey => {
    if (!isPageTextKey(key)) throw new Error(`stepguard pages: no text "${key}" in the page catalogue`);
    return key;
  };
  const t = (key: string, vars: PageTextVars = {}) => pageText(locale, known(key), vars);
  const tv = (base: string, variant: string | undefined, vars: PageTextVars = {}) => pageTextVariant(locale, known(base), variant, vars);
  /** The sentence as HTML: its words escaped, each value escaped too unless built here (strong, time). */
  const th = (key: string, vars: Record<string, string | number | Html> = {}) =>
    t(key)
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (!name || !Object.hasOwn(vars, name)) return esc(part);
        const value = vars[name] as string | number | Html;
        return typeof value === 'object' ? value.html : esc(value);
      })
      .join('');
  const strong = (value: unknown): Html => ({ html: `<strong>${esc(value)}</strong>` });
  const time = (iso: string): Html => ({ html: `<time datetime="${esc(iso)}" data-sg-local-time>${esc(iso)}</time>` });
  const errorText = (code: string, context?: string, details: Record<string, unknown> = {}) =>
    pageErrorText(locale, code, context, { ...details, codeLength: config.sms.codeLength }) ??
    (Object.hasOwn(ERRORS, code) ? ERRORS[code as keyof typeof ERRORS].message : t('error.generic'));
  const links = config.pages.links;
  /** The login page with `returnTo` back to `page` (checked by safeReturnTo; left off when refused). */
  const signInHref = (page?: string | null) => {
    const returnTo = safeReturnTo(page, config.http.allowedReturnOrigins);
    if (!returnTo) return links.login;
    return `${links.login}${links.login.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(returnTo)}`;
  };
  const currentPage = !req
    ? null
    : req.method === 'GET' || req.method === 'HEAD'
      ? safeReturnTo(req.originalUrl, config.http.allowedReturnOrigins)
      : formPageOf(config.http.basePath, req);
  return {
    sgFragment: true,
    lang: locale,
    t,
    tv,
    th,
    esc,
    strong,
    time,
    errorText,
    factorName: (factor: string) => (isPageTextKey(`factor.${factor}`) ? t(`factor.${factor}`) : factor),
    links,
    signInHref,
    currentPage,
    rememberDays: config.trustedDevices.days,
    darkMode: config.pages.darkMode,
  };
}
