import type { SessionRevocationStore, SessionStatus } from '../types';
import { ExpiringMap } from './ExpiringMap';

/** Session revocations in process memory, following the caller's clock. */
export class MemorySessionRevocationStore implements SessionRevocationStore {
  private readonly revoked = new ExpiringMap<true>();
  private readonly generations = new ExpiringMap<number>();
  private readonly epochs = new ExpiringMap<number>();

  async status(userId: string, bindingId: string, nowMs: number): Promise<SessionStatus> {
    return {
      revoked: this.revoked.get(key(userId, bindingId), nowMs) === true,
      generation: this.generations.get(userId, nowMs) ?? 0,
      epoch: this.epochs.get(key(userId, bindingId), nowMs) ?? 0,
    };
  }

  async supersede(userId: string, bindingId: string, sessionEpoch: number, untilMs: number, nowMs: number): Promise<number> {
    const floor = Math.max(this.epochs.get(key(userId, bindingId), nowMs) ?? 0, sessionEpoch + 1);
    this.epochs.set(key(userId, bindingId), floor, untilMs, nowMs);
    return floor;
  }

  async revoke(userId: string, bindingId: string, untilMs: number, nowMs: number): Promise<void> {
    this.revoked.set(key(userId, bindingId), true, untilMs, nowMs);
  }

  async revokeAll(userId: string, untilMs: number, nowMs: number, caller?: { bindingId: string; generation: number }): Promise<number | null> {
    const current = this.generations.get(userId, nowMs) ?? 0;
    if (caller && (this.revoked.get(key(userId, caller.bindingId), nowMs) === true || caller.generation < current)) return null;
    const next = current + 1;
    this.generations.set(userId, next, untilMs, nowMs);
    return next;
  }
}

const key = (userId: string, bindingId: string) => `${userId}\u0000${bindingId}`;
