import { z } from 'zod';
import { ALERT_KINDS, type AlertKind } from '../core/alerts/alertKindOf';
import type { AlertTemplateSet, OwnAlertKind } from '../core/messages/alertTemplates';

/** `alerts.localeOf`: the user's language for alerts sent outside their own requests. */
export type AlertLocaleOf = (userId: string) => string | null | undefined | Promise<string | null | undefined>;

const OWN_KINDS = ALERT_KINDS.filter((k): k is OwnAlertKind => k !== 'phone_changed' && k !== 'backup_codes_regenerated' && k !== 'factor_changed');

/**
 * `alerts`: telling the user about a sign-in from a new device or country, a factor added or
 * removed, a recovery, a lockout; by SMS to the bound number (through the notice budget and the
 * anti-pumping guard) and through `onSecurityEvent` (the event carries the alert's words).
 */
export const alertOptionsSchema = z.strictObject({
  /** Which alerts are sent. @default every kind */
  kinds: z.array(z.enum(ALERT_KINDS)).optional(),
  /** Also text the alert to the bound number (the hook is always told). @default true */
  sms: z.boolean().optional(),
  /** Alerts of one kind per user per window; more are not sent (audited as notice_blocked). @default 1 */
  perKindLimit: z.number().int().min(1).max(100).optional(),
  /** The window of that limit. @default 3600 */
  windowSeconds: z.number().int().min(60).max(7 * 86_400).optional(),
  /** Words by locale, merged over the built-in ones (`{service}`, `{country}`, `{factor}`). */
  templates: z.record(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a locale such as "en" or "pt-BR"'), z.partialRecord(z.enum(OWN_KINDS), z.string().min(1).max(300))).optional(),
  /** The user's language: alerts go to the owner, so never the requesting browser's Accept-Language. @default the user setting on the request (getUserLocale), else sms.defaultLocale */
  localeOf: z.custom<AlertLocaleOf>((v) => typeof v === 'function', { message: 'must be a function (userId) => a locale such as "de"' }).optional(),
});

export type AlertConfig = Readonly<{
  kinds: readonly AlertKind[];
  sms: boolean;
  perKindLimit: number;
  windowSeconds: number;
  templates: Readonly<Record<string, Partial<AlertTemplateSet>>>;
  localeOf: AlertLocaleOf | undefined;
}>;

export const ALERT_DEFAULTS = { sms: true, perKindLimit: 1, windowSeconds: 3600 } as const;

/** The validated `alerts` options with defaults. */
export function buildAlertConfig(given: z.output<typeof alertOptionsSchema> | undefined): AlertConfig {
  const g = given ?? {};
  return {
    kinds: g.kinds ? [...new Set(g.kinds)] : [...ALERT_KINDS],
    sms: g.sms ?? ALERT_DEFAULTS.sms,
    perKindLimit: g.perKindLimit ?? ALERT_DEFAULTS.perKindLimit,
    windowSeconds: g.windowSeconds ?? ALERT_DEFAULTS.windowSeconds,
    templates: Object.assign(Object.create(null), g.templates ?? {}) as Record<string, Partial<AlertTemplateSet>>,
    localeOf: g.localeOf,
  };
}

/** The alert a security event carries to `onSecurityEvent`: its words in the user's language, ready for an e-mail or push. */
export type SecurityAlert = {
  kind: AlertKind;
  locale: string;
  /** What happened and what to do (the SMS says the same, folded to GSM-7). */
  text: string;
  /** For a new-country sign-in: where from (ISO 3166-1 alpha-2). */
  country?: string;
};
