import { renderSmsNotice } from '../core/messages/renderSmsCodeMessage';
import type { SmsTemplateSet } from '../core/messages/smsTemplates';
import { newRandomId } from '../core/random';
import { deliverSms } from './deliverSms';
import type { ServiceContext } from './ServiceContext';

/**
 * A security notice (number changed, backup code used) to a proven number. Best effort: a
 * notice that cannot be sent is logged and audited, and never undoes what it reports.
 */
export async function sendSecurityNotice(
  ctx: ServiceContext,
  input: { userId: string; to: string; country: string | null; template: keyof Omit<SmsTemplateSet, 'code' | 'transaction' | 'voice'>; values?: Record<string, string>; idempotencyKey?: string },
): Promise<boolean> {
  const { config } = ctx;
  const templates = config.sms.templates[config.sms.defaultLocale] as SmsTemplateSet;
  const body = renderSmsNotice(templates[input.template], { service: config.serviceName, ...input.values });
  const sent = await deliverSms(
    ctx,
    { to: input.to, body, channel: 'sms', idempotencyKey: input.idempotencyKey ?? `notice.${newRandomId(config.random)}`, locale: config.sms.defaultLocale },
    { userId: input.userId, challengeId: null, country: input.country },
  );
  if (!sent.ok) await ctx.audit.record({ type: 'security_notice_failed', outcome: 'failure', userId: input.userId, reasons: [input.template], phone: input.to });
  return sent.ok;
}
