import type { Connection, Model } from 'mongoose';
import type { EnrolmentRequirement } from '../../core/enrolment/evaluateEnrolment';
import type { EnrolmentRecord, EnrolmentStore } from '../EnrolmentStore';
import { isDuplicateKeyError } from './isDuplicateKeyError';
import { enrolmentModel, type EnrolmentDoc } from './models/enrolmentModel';

/** Enrolment answers and grace periods in MongoDB (`stepguard_enrolment`, one document per user). */
export class MongoEnrolmentStore implements EnrolmentStore {
  private readonly model: Model<EnrolmentDoc>;

  constructor(connection: Connection) {
    this.model = enrolmentModel(connection);
  }

  async get(userId: string): Promise<EnrolmentRecord | null> {
    const doc = await this.model.findById(userId).lean<EnrolmentDoc>();
    if (!doc) return null;
    const graceStartedAtMs: EnrolmentRecord['graceStartedAtMs'] = {};
    for (const [requirement, at] of Object.entries(doc.grace ?? {})) {
      if (requirement === 'second_factor' || requirement === 'phishing_resistant') graceStartedAtMs[requirement] = new Date(at).getTime();
    }
    return { snoozedUntilMs: doc.snoozedUntil ? doc.snoozedUntil.getTime() : null, declinedAtMs: doc.declinedAt ? doc.declinedAt.getTime() : null, graceStartedAtMs };
  }

  async snooze(userId: string, untilMs: number): Promise<void> {
    await this.model.updateOne({ _id: userId }, { $set: { snoozedUntil: new Date(untilMs) } }, { upsert: true });
  }

  async decline(userId: string, atMs: number): Promise<void> {
    // Only the first answer is written; a second (or concurrent) one finds it and changes nothing.
    await this.setOnce(userId, 'declinedAt', new Date(atMs));
  }

  async startGrace(userId: string, requirement: EnrolmentRequirement, nowMs: number): Promise<number> {
    await this.setOnce(userId, `grace.${requirement}`, new Date(nowMs));
    const record = await this.get(userId);
    return record?.graceStartedAtMs[requirement] ?? nowMs;
  }

  /** Sets `path` unless it is set: the filter misses a set field, and the upsert's insert then hits the _id index. */
  private async setOnce(userId: string, path: string, value: Date): Promise<void> {
    try {
      await this.model.updateOne({ _id: userId, $or: [{ [path]: { $exists: false } }, { [path]: null }] }, { $set: { [path]: value } }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}
