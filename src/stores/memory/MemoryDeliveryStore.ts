import { DELIVERY_STATUS_RANK } from '../../sms/types';
import type { ApplyReceiptResult, DeliveryRecord, DeliveryStore } from '../types';
import { ExpiringMap } from './ExpiringMap';

/** Delivery records in memory; expiry follows the record's own send time. */
export class MemoryDeliveryStore implements DeliveryStore {
  private readonly records = new ExpiringMap<DeliveryRecord>();
  private readonly byChallenge = new ExpiringMap<string>();

  async create(record: DeliveryRecord, ttlSeconds: number): Promise<void> {
    const key = `${record.provider}\u0000${record.providerMessageId}`;
    const expiresAtMs = record.sentAtMs + ttlSeconds * 1000;
    this.records.set(key, { ...record }, expiresAtMs, record.sentAtMs);
    if (record.challengeId) this.byChallenge.set(`${record.userId}\u0000${record.challengeId}`, key, expiresAtMs, record.sentAtMs);
  }

  async applyReceipt(input: Parameters<DeliveryStore['applyReceipt']>[0]): Promise<ApplyReceiptResult> {
    const key = `${input.provider}\u0000${input.providerMessageId}`;
    const record = this.records.get(key, input.atMs);
    if (!record) return { found: false };
    if (DELIVERY_STATUS_RANK[input.status] <= DELIVERY_STATUS_RANK[record.status]) return { found: true, changed: false, record: { ...record } };
    record.status = input.status;
    record.updatedAtMs = input.atMs;
    if (input.status === 'delivered') record.deliveredAtMs = input.atMs;
    if (input.errorCode) record.errorCode = input.errorCode;
    return { found: true, changed: true, record: { ...record } };
  }

  async latestForChallenge(userId: string, challengeId: string): Promise<DeliveryRecord | null> {
    const key = this.byChallenge.get(`${userId}\u0000${challengeId}`, 0);
    const record = key ? this.records.get(key, 0) : undefined;
    return record ? { ...record } : null;
  }
}
