import type { ApprovalKey, ApprovalStore } from '../types';
import { ExpiringMap } from './ExpiringMap';

export class MemoryApprovalStore implements ApprovalStore {
  private readonly approvals = new ExpiringMap<true>();

  async grant(key: ApprovalKey, expiresAtMs: number, nowMs: number): Promise<void> {
    this.approvals.set(flatKey(key), true, expiresAtMs, nowMs);
  }

  async consume(key: ApprovalKey, nowMs: number): Promise<boolean> {
    const k = flatKey(key);
    if (!this.approvals.get(k, nowMs)) return false;
    return this.approvals.delete(k);
  }
}

function flatKey({ userId, bindingId, action, txHash }: ApprovalKey): string {
  return [userId, bindingId, action, txHash].join('\u0000');
}
