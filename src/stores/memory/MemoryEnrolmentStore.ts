import type { EnrolmentRequirement } from '../../core/enrolment/evaluateEnrolment';
import type { EnrolmentRecord, EnrolmentStore } from '../EnrolmentStore';

/** Enrolment answers and grace periods in process memory (development and tests). */
export class MemoryEnrolmentStore implements EnrolmentStore {
  private readonly records = new Map<string, EnrolmentRecord>();

  async get(userId: string): Promise<EnrolmentRecord | null> {
    const record = this.records.get(userId);
    return record ? { ...record, graceStartedAtMs: { ...record.graceStartedAtMs } } : null;
  }

  async snooze(userId: string, untilMs: number): Promise<void> {
    this.records.set(userId, { ...this.record(userId), snoozedUntilMs: untilMs });
  }

  async decline(userId: string, atMs: number): Promise<void> {
    const record = this.record(userId);
    this.records.set(userId, { ...record, declinedAtMs: record.declinedAtMs ?? atMs });
  }

  async startGrace(userId: string, requirement: EnrolmentRequirement, nowMs: number): Promise<number> {
    const record = this.record(userId);
    const started = record.graceStartedAtMs[requirement];
    if (started !== undefined) return started;
    this.records.set(userId, { ...record, graceStartedAtMs: { ...record.graceStartedAtMs, [requirement]: nowMs } });
    return nowMs;
  }

  private record(userId: string): EnrolmentRecord {
    return this.records.get(userId) ?? { snoozedUntilMs: null, declinedAtMs: null, graceStartedAtMs: {} };
  }
}
