import type { AlertKind } from '../alerts/alertKindOf';
import { ALERT_FACTOR_NAMES, ALERT_TEMPLATES, type AlertTemplateSet, type OwnAlertKind } from './alertTemplates';
import { foldToGsm7 } from './foldToGsm7';
import { BUILT_IN_TEMPLATES, fillTemplate, type SmsTemplateSet } from './smsTemplates';

/** Alerts that keep the SMS template they had as security notices (hosts may have reworded them). */
const NOTICE_TEMPLATE: Readonly<Partial<Record<AlertKind, keyof SmsTemplateSet>>> = {
  phone_changed: 'phoneChanged',
  backup_codes_regenerated: 'backupCodesRegenerated',
  factor_changed: 'factorChanged',
};

export type RenderSecurityAlertInput = {
  kind: AlertKind;
  /** A locale the templates have (resolved by the caller); English words fill any gap. */
  locale: string;
  serviceName: string;
  /** Alert templates by locale (merged over the built-in ones). */
  alertTemplates?: Readonly<Record<string, Partial<AlertTemplateSet>>>;
  /** The SMS templates by locale, for the alerts that use them. */
  smsTemplates?: Readonly<Record<string, SmsTemplateSet>>;
  /** The country signed in from (ISO 3166-1 alpha-2); named in the alert's language. */
  country?: string | null;
  /** The method added or removed (`sms`, `otp`, `webauthn`, `backup`). */
  factor?: string | null;
  /** Other placeholders (`{last2}` of a new number). */
  values?: Readonly<Record<string, string>>;
  /** An SMS template to use instead, when the set has it (the notice a change always used). */
  noticeTemplate?: string;
};

/**
 * An alert's words in the user's language: `text` as written (for the host's e-mail or push)
 * and `sms`, folded to GSM-7 so it stays one cheap segment.
 */
export function renderSecurityAlert(input: RenderSecurityAlertInput): { text: string; sms: string } {
  const { kind, locale } = input;
  const base = locale.split('-')[0] as string;
  const sets = input.smsTemplates ?? BUILT_IN_TEMPLATES;
  const smsSet = (sets[locale] ?? sets[base] ?? BUILT_IN_TEMPLATES.en) as Readonly<Record<string, string | undefined>>;
  const noticeKey = input.noticeTemplate ?? NOTICE_TEMPLATE[kind];
  const notice = noticeKey ? smsSet[noticeKey] : undefined;
  let template: string;
  if (notice) template = notice;
  else {
    const own = kind as OwnAlertKind;
    template =
      input.alertTemplates?.[locale]?.[own] ??
      input.alertTemplates?.[base]?.[own] ??
      ALERT_TEMPLATES[locale]?.[own] ??
      ALERT_TEMPLATES[base]?.[own] ??
      (ALERT_TEMPLATES.en as AlertTemplateSet)[own];
  }
  const names = ALERT_FACTOR_NAMES[locale] ?? ALERT_FACTOR_NAMES[base] ?? ALERT_FACTOR_NAMES.en;
  const factor = input.factor && names && Object.hasOwn(names, input.factor) ? names[input.factor as keyof typeof names] : names?.other ?? '';
  const values = {
    ...input.values,
    service: input.serviceName,
    country: countryName(input.country ?? null, locale),
    factor,
  };
  const text = fillTemplate(template, values);
  return { text, sms: foldToGsm7(text, false) };
}

/** "France", "Frankreich": the region's name in `locale`, or the code itself when unknown. */
export function countryName(country: string | null, locale: string): string {
  if (!country) return '?';
  try {
    return new Intl.DisplayNames([locale, 'en'], { type: 'region' }).of(country) ?? country;
  } catch {
    return country;
  }
}
