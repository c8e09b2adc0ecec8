import { Schema, type Connection, type Model } from 'mongoose';

export type PhoneBindingDoc = {
  userId: string;
  e164: string;
  phoneHash: string;
  country: string | null;
  /** libphonenumber's line type at binding (null: unknown); absent in documents from before it. */
  lineType?: string | null;
  /** The libphonenumber release that read `lineType` and `country`. */
  numberingPlan?: string;
  /** 0 .. maxAccountsPerNumber-1: with the unique index below it caps how many accounts share a number. */
  slot: number;
  status: 'active' | 'removed';
  boundAt: Date;
  changedAt: Date | null;
  removedAt: Date | null;
};

const schema = new Schema<PhoneBindingDoc>(
  {
    userId: { type: String, required: true },
    e164: { type: String, required: true },
    phoneHash: { type: String, required: true },
    country: { type: String, default: null },
    // No default: a document without it (bound before) must read as "not kept", and parse.
    lineType: { type: String },
    numberingPlan: { type: String },
    slot: { type: Number, required: true },
    status: { type: String, enum: ['active', 'removed'], required: true },
    boundAt: { type: Date, required: true },
    changedAt: { type: Date, default: null },
    removedAt: { type: Date, default: null },
  },
  { collection: 'stepguard_phone_bindings', versionKey: false },
);
// One active number per user.
schema.index({ userId: 1 }, { unique: true, partialFilterExpression: { status: 'active' } });
// The reuse limit: a number is active on at most as many accounts as there are slots.
schema.index({ phoneHash: 1, slot: 1 }, { unique: true, partialFilterExpression: { status: 'active' } });

export function phoneBindingModel(connection: Connection): Model<PhoneBindingDoc> {
  return (connection.models.StepGuardPhoneBinding as Model<PhoneBindingDoc>) ?? connection.model('StepGuardPhoneBinding', schema);
}
