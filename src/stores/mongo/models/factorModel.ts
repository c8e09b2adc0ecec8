import { Schema, type Connection, type Model } from 'mongoose';

export type FactorDoc = {
  _id: string;
  userId: string;
  type: 'totp' | 'webauthn' | 'backup_codes';
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Type-specific data; holds encrypted secrets and hashes, so it is never selected by default. */
  data: Record<string, unknown>;
};

const schema = new Schema<FactorDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true, index: true },
    type: { type: String, enum: ['totp', 'webauthn', 'backup_codes'], required: true },
    label: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, default: null },
    data: { type: Schema.Types.Mixed, select: false, default: {} },
  },
  { collection: 'stepguard_factors', versionKey: false, minimize: false },
);

export function factorModel(connection: Connection): Model<FactorDoc> {
  return (connection.models.StepGuardFactor as Model<FactorDoc>) ?? connection.model('StepGuardFactor', schema);
}
