import { DELIVERY_STATUS_RANK, type SmsChannel, type SmsDeliveryStatus } from '../../sms/types';
import type { ApplyReceiptResult, DeliveryRecord, DeliveryStore } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

/**
 * Delivery records as hashes keyed by provider and message id (what a receipt carries), with
 * a pointer from the challenge to its newest message. The status moves forward in one script.
 */
export class RedisDeliveryStore implements DeliveryStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async create(record: DeliveryRecord, ttlSeconds: number): Promise<void> {
    const key = this.keys.delivery(record.provider, record.providerMessageId);
    const fields: Record<string, string> = {
      provider: record.provider,
      providerMessageId: record.providerMessageId,
      userId: record.userId,
      challengeId: record.challengeId ?? '',
      channel: record.channel,
      country: record.country ?? '',
      status: record.status,
      rank: String(DELIVERY_STATUS_RANK[record.status]),
      sentAtMs: String(record.sentAtMs),
      updatedAtMs: String(record.updatedAtMs),
      deliveredAtMs: record.deliveredAtMs === null ? '' : String(record.deliveredAtMs),
      errorCode: record.errorCode ?? '',
      ...(record.lineType ? { lineType: record.lineType, lineTypeSource: record.lineTypeSource ?? '' } : {}),
    };
    // Different slots (the record is found by message id, the pointer by user): two commands,
    // sent together in one round trip; each carries its own TTL.
    await Promise.all([
      this.redis.sgHsetPx(key, ttlSeconds * 1000, ...Object.entries(fields).flat()),
      record.challengeId
        ? this.redis.set(this.keys.challengeDelivery(record.userId, record.challengeId), `${record.provider}\n${record.providerMessageId}`, 'EX', ttlSeconds)
        : null,
    ]);
  }

  async applyReceipt(input: Parameters<DeliveryStore['applyReceipt']>[0]): Promise<ApplyReceiptResult> {
    const reply = (await this.redis.sgDeliveryAdvance(
      this.keys.delivery(input.provider, input.providerMessageId),
      input.status,
      DELIVERY_STATUS_RANK[input.status],
      input.atMs,
      input.errorCode ?? '',
    )) as (string | number)[];
    if (Number(reply[0]) === -1) return { found: false };
    const fields: Record<string, string> = {};
    for (let i = 1; i < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return { found: true, changed: Number(reply[0]) === 1, record: toRecord(fields) };
  }

  async latestForChallenge(userId: string, challengeId: string): Promise<DeliveryRecord | null> {
    const pointer = await this.redis.get(this.keys.challengeDelivery(userId, challengeId));
    if (!pointer) return null;
    const [provider = '', messageId = ''] = pointer.split('\n');
    const fields = await this.redis.hgetall(this.keys.delivery(provider, messageId));
    return fields.provider ? toRecord(fields) : null;
  }
}

function toRecord(f: Record<string, string>): DeliveryRecord {
  return {
    provider: f.provider ?? '',
    providerMessageId: f.providerMessageId ?? '',
    userId: f.userId ?? '',
    challengeId: f.challengeId || null,
    channel: (f.channel ?? 'sms') as SmsChannel,
    country: f.country || null,
    status: (f.status ?? 'accepted') as SmsDeliveryStatus,
    sentAtMs: Number(f.sentAtMs),
    updatedAtMs: Number(f.updatedAtMs),
    deliveredAtMs: f.deliveredAtMs ? Number(f.deliveredAtMs) : null,
    errorCode: f.errorCode || null,
    ...(f.lineType ? { lineType: f.lineType, lineTypeSource: (f.lineTypeSource || null) as DeliveryRecord['lineTypeSource'] } : {}),
  };
}
