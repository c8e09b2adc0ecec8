import type { EndRecoveryResult, Recovery, RecoveryStore, StartRecoveryInput } from '../RecoveryStore';
import { ExpiringMap } from './ExpiringMap';

type Stored = { recovery: Recovery; keepMs: number };

/**
 * Recoveries in process memory, following the caller's clock. Every method reads and writes in
 * one synchronous step (no await in between), which is what makes each atomic here.
 */
export class MemoryRecoveryStore implements RecoveryStore {
  private readonly records = new ExpiringMap<Stored>();
  /** Accounts that may have a pending recovery: the sweep's index (checked against the record). */
  private readonly maybePending = new Set<string>();

  async start(input: StartRecoveryInput): Promise<{ started: boolean; recovery: Recovery }> {
    const current = this.records.get(input.userId, input.nowMs);
    if (current?.recovery.status === 'pending') return { started: false, recovery: { ...current.recovery } };
    const recovery: Recovery = {
      id: input.id,
      userId: input.userId,
      status: 'pending',
      startedAtMs: input.nowMs,
      completesAtMs: input.completesAtMs,
      remindAtMs: input.remindAtMs,
      remindedAtMs: null,
      endedAtMs: null,
      endedBy: null,
      riskExtended: input.riskExtended,
    };
    this.write({ recovery, keepMs: input.keepMs }, input.nowMs);
    return { started: true, recovery: { ...recovery } };
  }

  async get(userId: string, nowMs: number): Promise<Recovery | null> {
    const current = this.records.get(userId, nowMs);
    return current ? { ...current.recovery } : null;
  }

  async claimReminder(userId: string, input: { nowMs: number; leadMs: number }): Promise<Recovery | null> {
    const current = this.pending(userId, input.nowMs);
    if (!current || current.recovery.remindedAtMs !== null || input.nowMs < current.recovery.remindAtMs) return null;
    const recovery = { ...current.recovery, remindedAtMs: input.nowMs, completesAtMs: Math.max(current.recovery.completesAtMs, input.nowMs + input.leadMs) };
    this.write({ ...current, recovery }, input.nowMs);
    return { ...recovery };
  }

  async releaseReminder(userId: string, input: { nowMs: number; id: string; remindedAtMs: number }): Promise<boolean> {
    const current = this.pending(userId, input.nowMs);
    if (!current || current.recovery.id !== input.id || current.recovery.remindedAtMs !== input.remindedAtMs) return false;
    this.write({ ...current, recovery: { ...current.recovery, remindedAtMs: null } }, input.nowMs);
    return true;
  }

  async cancel(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult> {
    return this.end(userId, 'cancelled', input);
  }

  async complete(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult> {
    const current = this.pending(userId, input.nowMs);
    if (current && (current.recovery.remindedAtMs === null || input.nowMs < current.recovery.completesAtMs)) {
      return { ok: false, reason: 'recovery_not_ready', recovery: { ...current.recovery } };
    }
    return this.end(userId, 'completed', input);
  }

  async shorten(userId: string, input: { nowMs: number; completesAtMs: number; leadMs: number }): Promise<EndRecoveryResult> {
    const current = this.pending(userId, input.nowMs);
    if (!current) return { ok: false, reason: 'no_recovery' };
    const was = current.recovery;
    let completesAtMs = Math.min(was.completesAtMs, input.completesAtMs);
    let remindAtMs = was.remindAtMs;
    if (was.remindedAtMs !== null) completesAtMs = Math.max(completesAtMs, was.remindedAtMs + input.leadMs);
    else remindAtMs = Math.min(remindAtMs, input.nowMs);
    const recovery = { ...was, completesAtMs, remindAtMs };
    this.write({ ...current, recovery }, input.nowMs);
    return { ok: true, recovery: { ...recovery } };
  }

  async due(nowMs: number, limit: number): Promise<string[]> {
    const out: string[] = [];
    for (const userId of this.maybePending) {
      if (out.length >= limit) break;
      const r = this.records.get(userId, nowMs)?.recovery;
      if (r?.status !== 'pending') this.maybePending.delete(userId);
      else if (r.remindedAtMs === null && r.remindAtMs <= nowMs) out.push(userId);
    }
    return out;
  }

  private pending(userId: string, nowMs: number): Stored | null {
    const current = this.records.get(userId, nowMs);
    return current?.recovery.status === 'pending' ? current : null;
  }

  private end(userId: string, status: 'cancelled' | 'completed', input: { nowMs: number; by: string }): EndRecoveryResult {
    const current = this.pending(userId, input.nowMs);
    if (!current) return { ok: false, reason: 'no_recovery' };
    const recovery: Recovery = { ...current.recovery, status, endedAtMs: input.nowMs, endedBy: input.by };
    this.write({ ...current, recovery }, input.nowMs);
    return { ok: true, recovery: { ...recovery } };
  }

  private write(stored: Stored, nowMs: number): void {
    const { recovery, keepMs } = stored;
    const expiresAtMs = (recovery.endedAtMs ?? recovery.completesAtMs) + keepMs;
    this.records.set(recovery.userId, stored, expiresAtMs, nowMs);
    if (recovery.status === 'pending') this.maybePending.add(recovery.userId);
    else this.maybePending.delete(recovery.userId);
  }
}
