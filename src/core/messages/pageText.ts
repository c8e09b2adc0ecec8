import { PAGE_TEXT_EN, type PageTextKey, type PageTextSet } from './pageTextEn';
import { PAGE_TEXT_TRANSLATIONS } from './pageTextTranslations';
import { resolveLocale } from './resolveLocale';

export type { PageTextKey } from './pageTextEn';

/** The locales stepguard's pages are written in: the same five as the SMS templates. */
export const PAGE_LOCALES = ['en', 'de', 'fr', 'es', 'pt'] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];

// No prototype: a locale from a request ("constructor") never finds an inherited value.
const CATALOGUE: Readonly<Record<string, PageTextSet>> = Object.assign(Object.create(null), { en: PAGE_TEXT_EN, ...PAGE_TEXT_TRANSLATIONS });

export type PageTextVars = Readonly<Record<string, string | number>>;

/**
 * The page locale: the user's setting when the pages speak it, then the best match in
 * `Accept-Language`, then the configured default (English when the pages lack it).
 */
export function pageLocaleFor(input: { userLocale?: string | undefined; acceptLanguage?: string | undefined; defaultLocale: string }): PageLocale {
  const fallback = resolveLocale({ userLocale: input.defaultLocale, available: PAGE_LOCALES, defaultLocale: 'en' });
  return resolveLocale({ userLocale: input.userLocale, acceptLanguage: input.acceptLanguage, available: PAGE_LOCALES, defaultLocale: fallback }) as PageLocale;
}

/** The words for `key` in `locale` (English for a locale the pages lack), with `{name}` filled from `vars`. */
export function pageText(locale: string, key: PageTextKey, vars: PageTextVars = {}): string {
  return fill(textOf(locale, key) ?? PAGE_TEXT_EN[key], vars);
}

/**
 * The most specific words: `base.variant` when the catalogue has it (per action, per factor),
 * else `base`: `pageTextVariant('de', 'choose.intro', 'transfer')`.
 */
export function pageTextVariant(locale: string, base: PageTextKey, variant: string | undefined, vars: PageTextVars = {}): string {
  const specific = variant ? `${base}.${variant}` : undefined;
  if (specific && isPageTextKey(specific)) return pageText(locale, specific, vars);
  return pageText(locale, base, vars);
}

/**
 * A page's sentence for an error code, worded for where it happened (`sms`, `otp`, `backup`,
 * `phone` ...): `error.<code>.<context>`, then `error.<code>`, each only when every placeholder it
 * names has a value; `invalid_code` gets the tries left. `undefined` when the catalogue has none,
 * so the caller shows the code's English message from errors.ts.
 */
export function pageErrorText(
  locale: string,
  code: string,
  context: string | undefined,
  details: { attemptsLeft?: unknown; retryAfterSeconds?: unknown; codeLength?: unknown } = {},
): string | undefined {
  const vars: Record<string, string | number> = {};
  if (typeof details.retryAfterSeconds === 'number') {
    vars.seconds = details.retryAfterSeconds;
    vars.minutes = Math.max(1, Math.ceil(details.retryAfterSeconds / 60));
  }
  if (typeof details.codeLength === 'number') vars.digits = details.codeLength;
  const candidates = [context ? `error.${code}.${context}` : undefined, `error.${code}`];
  const key = candidates.find((k): k is PageTextKey => k !== undefined && isPageTextKey(k) && placeholdersOf(PAGE_TEXT_EN[k]).every((name) => name in vars));
  if (!key) return undefined;
  const text = pageText(locale, key, vars);
  if (code !== 'invalid_code' || typeof details.attemptsLeft !== 'number') return text;
  const count = details.attemptsLeft;
  return `${text} ${pageText(locale, count === 1 ? 'tries.one' : 'tries.other', { count })}`;
}

/** Whether `key` is in the catalogue (the English set names every key). */
export function isPageTextKey(key: string): key is PageTextKey {
  return Object.hasOwn(PAGE_TEXT_EN, key);
}

function textOf(locale: string, key: PageTextKey): string | undefined {
  const set = CATALOGUE[locale] ?? CATALOGUE[locale.split('-')[0] as string];
  return set?.[key];
}

function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}

function fill(text: string, vars: PageTextVars): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : whole));
}
