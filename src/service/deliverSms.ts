import { maskPhone } from '../core/phone/maskPhone';
import type { SmsDeliveryStatus, SmsMessage } from '../sms/types';
import type { ServiceContext } from './ServiceContext';
import { recordAlongside } from './recordAlongside';

export type DeliverSmsResult = { ok: true; provider: string; providerMessageId: string; status: SmsDeliveryStatus } | { ok: false };

/**
 * Hands one message to the provider router and records what happened: a delivery record that
 * receipts will move forward, and the metrics. Provider errors are outcomes here, not throws.
 */
export async function deliverSms(
  ctx: ServiceContext,
  message: SmsMessage,
  meta: { userId: string; challengeId: string | null; country: string | null; lineType?: string | null; lineTypeSource?: 'carrier_lookup' | 'numbering_plan' | null },
): Promise<DeliverSmsResult> {
  const routed = await ctx.sms.send(message, { country: meta.country });
  for (const attempt of routed.attempts) {
    if (attempt.outcome !== 'sent') ctx.metrics.smsFailed({ provider: attempt.provider, outcome: attempt.outcome });
  }
  if (!routed.ok) {
    ctx.logger?.error({ event: 'sms_send_failed', reason: routed.reason, to: maskPhone(message.to), attempts: routed.attempts }, 'No SMS provider delivered the message');
    return { ok: false };
  }
  const nowMs = ctx.config.clock.nowMs();
  const { providerMessageId, status } = routed.result;
  ctx.metrics.smsSent({ country: meta.country, provider: routed.provider, channel: message.channel });
  // Written alongside the answer (the session's save), not before it: the message is out
  // whatever this says, and a lost record only leaves a receipt unmatched (recordAlongside.ts).
  void recordAlongside(ctx, 'delivery_record', ctx.stores.deliveries.create(
    {
      provider: routed.provider,
      providerMessageId,
      userId: meta.userId,
      challengeId: meta.challengeId,
      channel: message.channel,
      country: meta.country,
      status,
      sentAtMs: nowMs,
      updatedAtMs: nowMs,
      deliveredAtMs: status === 'delivered' ? nowMs : null,
      errorCode: null,
      // Kept for the receipt's audit event (post-incident reviews: which line types fail).
      ...(meta.lineType ? { lineType: meta.lineType, lineTypeSource: meta.lineTypeSource ?? null } : {}),
    },
    ctx.config.sms.deliveryRecordSeconds,
  ));
  return { ok: true, provider: routed.provider, providerMessageId, status };
}
