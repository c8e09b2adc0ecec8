import type { Connection, Model } from 'mongoose';
import type { EnrolledFactor, FactorStore, FactorType } from '../types';
import { factorModel, type FactorDoc } from './models/factorModel';

export class MongoFactorStore implements FactorStore {
  private readonly model: Model<FactorDoc>;

  constructor(connection: Connection) {
    this.model = factorModel(connection);
  }

  async list(userId: string, type?: FactorType): Promise<EnrolledFactor[]> {
    const docs = await this.model
      .find({ userId, ...(type ? { type } : {}) })
      .select('+data')
      .sort({ createdAt: 1 })
      .lean<FactorDoc[]>();
    return docs.map(toDomain);
  }

  async add(factor: EnrolledFactor): Promise<void> {
    await this.model.create({
      _id: factor.id,
      userId: factor.userId,
      type: factor.type,
      label: factor.label,
      createdAt: new Date(factor.createdAtMs),
      lastUsedAt: factor.lastUsedAtMs === null ? null : new Date(factor.lastUsedAtMs),
      data: factor.data,
    });
  }

  async update(userId: string, factorId: string, patch: { label?: string; lastUsedAtMs?: number; data?: Record<string, unknown> }): Promise<boolean> {
    const set: Record<string, unknown> = {};
    if (patch.label !== undefined) set.label = patch.label;
    if (patch.lastUsedAtMs !== undefined) set.lastUsedAt = new Date(patch.lastUsedAtMs);
    for (const [k, v] of Object.entries(patch.data ?? {})) set[`data.${k}`] = v;
    const result = await this.model.updateOne({ _id: factorId, userId }, { $set: set });
    return result.matchedCount === 1;
  }

  async advance(userId: string, factorId: string, field: string, next: number, alsoSet: Record<string, unknown> = {}): Promise<boolean> {
    const path = `data.${field}`;
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(alsoSet)) set[`data.${k}`] = v;
    const result = await this.model.updateOne(
      { _id: factorId, userId, $or: [{ [path]: { $lt: next } }, { [path]: { $exists: false } }, { [path]: null }] },
      { $set: { ...set, [path]: next } },
    );
    return result.modifiedCount === 1;
  }

  async pull(userId: string, factorId: string, field: string, value: string): Promise<boolean> {
    const path = `data.${field}`;
    const result = await this.model.updateOne({ _id: factorId, userId, [path]: value }, { $pull: { [path]: value } });
    return result.modifiedCount === 1;
  }

  async remove(userId: string, factorId: string): Promise<boolean> {
    const result = await this.model.deleteOne({ _id: factorId, userId });
    return result.deletedCount === 1;
  }

  async removeAll(userId: string, type?: FactorType): Promise<number> {
    const result = await this.model.deleteMany({ userId, ...(type ? { type } : {}) });
    return result.deletedCount;
  }
}

function toDomain(doc: FactorDoc): EnrolledFactor {
  return {
    id: doc._id,
    userId: doc.userId,
    type: doc.type,
    label: doc.label,
    createdAtMs: doc.createdAt.getTime(),
    lastUsedAtMs: doc.lastUsedAt ? doc.lastUsedAt.getTime() : null,
    data: doc.data ?? {},
  };
}
