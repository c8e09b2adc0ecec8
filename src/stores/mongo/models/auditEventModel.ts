import { Schema, type Connection, type Model } from 'mongoose';

export type AuditEventDoc = {
  _id: string;
  chainId: string;
  seq: number;
  ts: Date;
  type: string;
  userId: string | null;
  actor: string;
  outcome: string;
  reasons: string[];
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  deviceId: string | null;
  factor: string | null;
  action: string | null;
  phoneMasked: string | null;
  phoneHash: string | null;
  country: string | null;
  /** Only on SMS send, refusal and delivery events (absent elsewhere). */
  lineType?: string | null;
  lineTypeSource?: string | null;
  prevMac: string;
  prevTs: Date | null;
  mac: string;
  /** Retention: MongoDB's TTL monitor removes the event after this time. */
  expireAt: Date;
};

const nullableString = { type: String, default: null };

const schema = new Schema<AuditEventDoc>(
  {
    _id: { type: String, required: true },
    chainId: { type: String, required: true },
    seq: { type: Number, required: true },
    ts: { type: Date, required: true },
    type: { type: String, required: true },
    userId: nullableString,
    actor: { type: String, required: true },
    outcome: { type: String, required: true },
    reasons: { type: [String], default: [] },
    requestId: nullableString,
    ip: nullableString,
    userAgent: nullableString,
    deviceId: nullableString,
    factor: nullableString,
    action: nullableString,
    phoneMasked: nullableString,
    phoneHash: nullableString,
    country: nullableString,
    lineType: { type: String },
    lineTypeSource: { type: String },
    prevMac: { type: String, default: '' },
    prevTs: { type: Date, default: null },
    mac: { type: String, required: true },
    expireAt: { type: Date, required: true },
  },
  { collection: 'stepguard_audit_events', versionKey: false },
);
// (chainId, seq) unique: two writers cannot both append event n to one chain.
schema.index({ chainId: 1, seq: 1 }, { unique: true });
schema.index({ userId: 1, ts: 1 });
schema.index({ type: 1, ts: 1 });
schema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

export function auditEventModel(connection: Connection): Model<AuditEventDoc> {
  return (connection.models.StepGuardAuditEvent as Model<AuditEventDoc>) ?? connection.model('StepGuardAuditEvent', schema);
}
