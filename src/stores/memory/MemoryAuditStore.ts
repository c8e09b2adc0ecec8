import type { AuditEvent } from '../../core/audit/auditChain';
import type { AuditFilter, AuditStore } from '../types';

/** Append-only in memory. Retention is not enforced here: a process does not live that long. */
export class MemoryAuditStore implements AuditStore {
  private readonly chains = new Map<string, AuditEvent[]>();

  async head(chainId: string): Promise<{ seq: number; mac: string; tsMs: number } | null> {
    const last = this.chains.get(chainId)?.at(-1);
    return last ? { seq: last.seq, mac: last.mac, tsMs: last.tsMs } : null;
  }

  async insert(event: AuditEvent): Promise<'ok' | 'conflict'> {
    const chain = this.chains.get(event.chainId) ?? [];
    if (chain.some((e) => e.seq === event.seq)) return 'conflict';
    chain.push(Object.freeze({ ...event, reasons: [...event.reasons] }));
    chain.sort((a, b) => a.seq - b.seq);
    this.chains.set(event.chainId, chain);
    return 'ok';
  }

  async *list(filter: AuditFilter): AsyncIterable<AuditEvent> {
    for (const chainId of [...this.chains.keys()].sort()) {
      for (const event of this.chains.get(chainId) ?? []) {
        if (matches(event, filter)) yield { ...event, reasons: [...event.reasons] };
      }
    }
  }

  /** For tests of tamper detection only: the raw array a chain is kept in. */
  unsafeChain(chainId: string): AuditEvent[] {
    return this.chains.get(chainId) ?? [];
  }
}

export function matches(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.userId !== undefined && event.userId !== filter.userId) return false;
  if (filter.sinceMs !== undefined && event.tsMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && event.tsMs > filter.untilMs) return false;
  return true;
}
