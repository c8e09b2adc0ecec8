import type { Connection, Model } from 'mongoose';
import type { AuditEvent } from '../../core/audit/auditChain';
import type { AuditFilter, AuditStore } from '../types';
import { auditEventModel, type AuditEventDoc } from './models/auditEventModel';
import { isDuplicateKeyError } from './isDuplicateKeyError';

/** Append-only: this adapter only ever inserts and reads. Retention is the TTL index on expireAt. */
export class MongoAuditStore implements AuditStore {
  private readonly model: Model<AuditEventDoc>;

  constructor(connection: Connection) {
    this.model = auditEventModel(connection);
  }

  async head(chainId: string): Promise<{ seq: number; mac: string; tsMs: number } | null> {
    const doc = await this.model
      .findOne({ chainId })
      .sort({ seq: -1 })
      .select({ seq: 1, mac: 1, ts: 1 })
      .lean<Pick<AuditEventDoc, 'seq' | 'mac' | 'ts'>>();
    return doc ? { seq: doc.seq, mac: doc.mac, tsMs: doc.ts.getTime() } : null;
  }

  async insert(event: AuditEvent, expireAtMs: number): Promise<'ok' | 'conflict'> {
    const { id, tsMs, prevTsMs, ...rest } = event;
    try {
      await this.model.create({
        _id: id,
        ts: new Date(tsMs),
        prevTs: prevTsMs === null ? null : new Date(prevTsMs),
        ...rest,
        expireAt: new Date(expireAtMs),
      });
      return 'ok';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'conflict';
      throw err;
    }
  }

  async *list(filter: AuditFilter): AsyncIterable<AuditEvent> {
    const query: Record<string, unknown> = {};
    if (filter.userId !== undefined) query.userId = filter.userId;
    if (filter.sinceMs !== undefined || filter.untilMs !== undefined) {
      query.ts = {
        ...(filter.sinceMs !== undefined ? { $gte: new Date(filter.sinceMs) } : {}),
        ...(filter.untilMs !== undefined ? { $lte: new Date(filter.untilMs) } : {}),
      };
    }
    for await (const doc of this.model.find(query).sort({ chainId: 1, seq: 1 }).lean<AuditEventDoc[]>().cursor()) {
      yield toDomain(doc as unknown as AuditEventDoc);
    }
  }
}

function toDomain(doc: AuditEventDoc): AuditEvent {
  return {
    id: doc._id,
    chainId: doc.chainId,
    seq: doc.seq,
    tsMs: doc.ts.getTime(),
    type: doc.type,
    userId: doc.userId ?? null,
    actor: doc.actor,
    outcome: doc.outcome as AuditEvent['outcome'],
    reasons: [...(doc.reasons ?? [])],
    requestId: doc.requestId ?? null,
    ip: doc.ip ?? null,
    userAgent: doc.userAgent ?? null,
    deviceId: doc.deviceId ?? null,
    factor: doc.factor ?? null,
    action: doc.action ?? null,
    phoneMasked: doc.phoneMasked ?? null,
    phoneHash: doc.phoneHash ?? null,
    country: doc.country ?? null,
    ...(doc.lineType ? { lineType: doc.lineType, lineTypeSource: (doc.lineTypeSource ?? null) as AuditEvent['lineTypeSource'] } : {}),
    prevMac: doc.prevMac ?? '',
    prevTsMs: doc.prevTs ? doc.prevTs.getTime() : null,
    mac: doc.mac,
  };
}
