import { renderSmsNotice } from '../core/messages/renderSmsCodeMessage';
import type { SmsTemplateSet } from '../core/messages/smsTemplates';
import { normalizePhone } from '../core/phone/normalizePhone';
import { newRandomId } from '../core/random';
import { deliverSms } from './deliverSms';
import { sendAttemptFor } from './sendAttemptFor';
import type { ServiceContext } from './ServiceContext';
import type { AlertKind } from '../core/alerts/alertKindOf';
import { ownerLocaleOf } from './ownerLocaleOf';
import { lineTypeWithSource } from '../core/phone/lineTypeWithSource';

export type NoticeTemplate = keyof Omit<SmsTemplateSet, 'code' | 'transaction' | 'voice'>;

/** What a notice says: a template (in the owner's language), or an alert's words already rendered in it. */
export type NoticeWords =
  | { template: NoticeTemplate; values?: Record<string, string>; body?: undefined }
  | { template: AlertKind; body: string; locale: string };

const DAY_MS = 86_400_000;

/**
 * A security notice (factor changed, backup code used) to a proven number. It passes what every
 * SMS passes — a per-account notice budget (`factorChange.noticesPerDay`), the anti-pumping
 * guard and the spend caps — so a signed-in account cannot pump SMS through notices. Best
 * effort: a notice that is refused or cannot be sent is audited (`notice_blocked`,
 * `security_notice_failed`) and never undoes or blocks what it reports.
 */
export async function sendSecurityNotice(
  ctx: ServiceContext,
  input: { userId: string; to: string; country: string | null; /** The budget it spends. @default `notice:<userId>` */ budgetKey?: string; /** That budget's size. @default `factorChange.noticesPerDay` */ budgetPerDay?: number } & NoticeWords,
): Promise<'sent' | 'blocked' | 'failed'> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const sendId = newRandomId(config.random);
  // A notice goes to a proven number: no carrier lookup, the numbering plan's type.
  const parsedTo = normalizePhone(input.to);
  const line = lineTypeWithSource(null, parsedTo.ok ? parsedTo.lineType : null);
  const audit = (type: string, outcome: 'success' | 'blocked' | 'failure', reasons: string[]) =>
    ctx.audit.record({ type, outcome, userId: input.userId, reasons: [input.template, ...reasons], phone: input.to, country: input.country, ...line });
  try {
    const budgetKey = input.budgetKey ?? `notice:${input.userId}`;
    const budget = await stores.rateLimits.add(budgetKey, sendId, input.budgetPerDay ?? config.factorChange.noticesPerDay, DAY_MS, nowMs);
    if (!budget.allowed) {
      await audit('notice_blocked', 'blocked', ['notice_budget']);
      return 'blocked';
    }
    const parsed = normalizePhone(input.to);
    const e164 = parsed.ok ? parsed.e164 : input.to;
    const decision = await ctx.pumping.check(
      sendAttemptFor(ctx, {
        sendId,
        e164,
        country: input.country,
        lineType: parsed.ok ? (parsed.lineType ?? null) : null,
        userId: input.userId,
        sessionId: budgetKey,
        ip: null,
        boundNumber: true,
        notice: true,
      }),
    );
    if (!decision.allowed) {
      await stores.rateLimits.remove(budgetKey, sendId);
      ctx.metrics.smsBlocked({ rule: decision.rule, mode: 'enforce', country: parsed.ok ? (parsed.country ?? null) : null });
      await audit('notice_blocked', 'blocked', [`pumping_${decision.rule}`]);
      return 'blocked';
    }
    // In the owner's language (alerts.localeOf), like every alert.
    const locale = input.body === undefined ? await ownerLocaleOf(ctx, input.userId) : input.locale;
    const templates = (config.sms.templates[locale] ?? config.sms.templates[config.sms.defaultLocale]) as SmsTemplateSet;
    const body = input.body === undefined ? renderSmsNotice(templates[input.template], { service: config.serviceName, ...input.values }) : input.body;
    const sent = await deliverSms(
      ctx,
      { to: e164, body, channel: 'sms', idempotencyKey: `notice.${sendId}`, locale },
      { userId: input.userId, challengeId: null, country: input.country, ...line },
    );
    if (!sent.ok) {
      await decision.reservation.release();
      await audit('security_notice_failed', 'failure', []);
      return 'failed';
    }
    await audit('security_notice_sent', 'success', []);
    return 'sent';
  } catch (err) {
    // The operation the notice reports already happened; an outage here must not fail it.
    ctx.logger?.error({ event: 'security_notice_failed', template: input.template, err: err instanceof Error ? err.message : String(err) }, 'A security notice could not be sent');
    await audit('security_notice_failed', 'failure', ['error']).catch(() => undefined);
    return 'failed';
  }
}
