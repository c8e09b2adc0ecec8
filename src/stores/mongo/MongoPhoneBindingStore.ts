import type { Connection, Model } from 'mongoose';
import { newPhoneBinding, type BindPhoneInput, type BindPhoneResult, type PhoneBinding, type PhoneBindingStore } from '../types';
import { phoneBindingModel, type PhoneBindingDoc } from './models/phoneBindingModel';
import { isDuplicateKeyError } from './isDuplicateKeyError';

export class MongoPhoneBindingStore implements PhoneBindingStore {
  private readonly model: Model<PhoneBindingDoc>;

  constructor(connection: Connection) {
    this.model = phoneBindingModel(connection);
  }

  async getActive(userId: string): Promise<PhoneBinding | null> {
    const doc = await this.model.findOne({ userId, status: 'active' }).lean<PhoneBindingDoc>();
    return doc ? toDomain(doc) : null;
  }

  async bind(input: BindPhoneInput): Promise<BindPhoneResult> {
    const previousDoc = await this.model.findOne({ userId: input.userId, status: 'active' }).lean<PhoneBindingDoc>();
    const previous = previousDoc ? toDomain(previousDoc) : null;
    if (previousDoc && previousDoc.phoneHash === input.phoneHash) return { ok: true, binding: previous!, previous };
    const now = new Date(input.nowMs);
    // Retire the old number first (one active per user), and bring it back if the new one is taken.
    if (previousDoc) {
      await this.model.updateOne({ userId: input.userId, status: 'active' }, { $set: { status: 'removed', removedAt: now } });
    }
    for (let slot = 0; slot < input.maxAccountsPerNumber; slot += 1) {
      try {
        await this.model.create({
          userId: input.userId,
          e164: input.e164,
          phoneHash: input.phoneHash,
          country: input.country,
          ...(input.lineType !== undefined ? { lineType: input.lineType } : {}),
          ...(input.numberingPlan !== undefined ? { numberingPlan: input.numberingPlan } : {}),
          slot,
          status: 'active',
          boundAt: now,
          changedAt: previous ? now : null,
          removedAt: null,
        });
        return { ok: true, binding: newPhoneBinding(input, previous !== null), previous };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // This slot of the number is taken (or a concurrent bind for this user won): try the next.
      }
    }
    if (previousDoc) {
      await this.model.updateOne({ _id: (previousDoc as PhoneBindingDoc & { _id: unknown })._id }, { $set: { status: 'active', removedAt: null } });
    }
    return { ok: false, reason: 'number_unavailable' };
  }

  async remove(userId: string, nowMs: number): Promise<PhoneBinding | null> {
    const doc = await this.model
      .findOneAndUpdate({ userId, status: 'active' }, { $set: { status: 'removed', removedAt: new Date(nowMs) } })
      .lean<PhoneBindingDoc>();
    return doc ? toDomain(doc) : null;
  }
}

function toDomain(doc: PhoneBindingDoc): PhoneBinding {
  return {
    userId: doc.userId,
    e164: doc.e164,
    phoneHash: doc.phoneHash,
    country: doc.country ?? null,
    ...(doc.lineType !== undefined ? { lineType: doc.lineType } : {}),
    ...(typeof doc.numberingPlan === 'string' ? { numberingPlan: doc.numberingPlan } : {}),
    boundAtMs: doc.boundAt.getTime(),
    changedAtMs: doc.changedAt ? doc.changedAt.getTime() : null,
  };
}
