import type { IncomingReceipt } from '../sms/types';
import type { ServiceContext } from './ServiceContext';

export type ApplyDeliveryReceiptResult =
  | { ok: true; changed: number }
  | { ok: false; reason: 'unknown_provider' | 'bad_signature' | 'stale' | 'malformed' | 'unknown_message' };

/**
 * A delivery receipt from a provider's webhook. Nothing changes unless the signature holds,
 * the receipt is fresh (where the scheme carries a time) and names a message we sent; the
 * status then only moves forward, so replays and out-of-order receipts are harmless.
 */
export async function applyDeliveryReceipt(ctx: ServiceContext, input: { provider: string; receipt: IncomingReceipt }): Promise<ApplyDeliveryReceiptResult> {
  const provider = ctx.sms.provider(input.provider);
  if (!provider?.verifyReceipt) return { ok: false, reason: 'unknown_provider' };
  const checked = provider.verifyReceipt(input.receipt);
  if (!checked.ok) {
    ctx.logger?.warn({ event: 'receipt_refused', provider: provider.name, reason: checked.reason }, 'Delivery receipt refused');
    return checked;
  }
  let changed = 0;
  for (const receipt of checked.receipts) {
    const applied = await ctx.stores.deliveries.applyReceipt({
      provider: provider.name,
      providerMessageId: receipt.providerMessageId,
      status: receipt.status,
      atMs: input.receipt.nowMs,
      ...(receipt.errorCode ? { errorCode: receipt.errorCode.slice(0, 32) } : {}),
    });
    if (!applied.found) return { ok: false, reason: 'unknown_message' };
    if (!applied.changed) continue;
    changed += 1;
    const { record } = applied;
    const latencySeconds = record.status === 'delivered' && record.deliveredAtMs !== null ? (record.deliveredAtMs - record.sentAtMs) / 1000 : null;
    ctx.metrics.deliveryReceipt({ provider: provider.name, status: record.status, country: record.country }, latencySeconds);
    if (record.status === 'undelivered' || record.status === 'failed') {
      await ctx.audit.record({
        type: 'sms_undelivered',
        outcome: 'failure',
        userId: record.userId,
        factor: 'sms',
        country: record.country,
        ...(record.lineType ? { lineType: record.lineType, lineTypeSource: record.lineTypeSource ?? null } : {}),
        reasons: [record.status, ...(record.errorCode ? [`provider_error_${record.errorCode}`] : [])],
      });
    }
  }
  return { ok: true, changed };
}
