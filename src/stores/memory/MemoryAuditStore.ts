import type { AuditEvent } from '../../core/audit/auditChain';
import type { AuditFilter, AuditStore } from '../types';

type Head = { seq: number; mac: string; tsMs: number };

/**
 * Append-only in memory, for development and tests, holding a bounded window: past `maxEvents`
 * the oldest events (across all chains) leave memory, as retention would remove them from a
 * database, so that anonymous noise cannot grow the process without bound. Each chain's head is
 * kept, so appends continue the chain; `prunedBeforeMs()` tells a verifier which missing
 * predecessors that explains (see verifyAuditEvents). Nothing is kept across restarts: use
 * MongoDB, or FileAuditStore, for a trail that must last.
 */
export class MemoryAuditStore implements AuditStore {
  private readonly chains = new Map<string, AuditEvent[]>();
  private readonly heads = new Map<string, Head>();
  /** The chain of every event held, oldest first: which chain gives up its first event next. */
  private order: string[] = [];
  private orderStart = 0;
  private newestEvictedTsMs: number | undefined;
  private readonly maxEvents: number;

  constructor(options: { maxEvents?: number } = {}) {
    this.maxEvents = options.maxEvents ?? 10_000;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new TypeError(`MemoryAuditStore: maxEvents must be a positive integer, got ${options.maxEvents}`);
  }

  async head(chainId: string): Promise<Head | null> {
    return this.heads.get(chainId) ?? null;
  }

  async insert(event: AuditEvent): Promise<'ok' | 'conflict'> {
    const head = this.heads.get(event.chainId);
    if (head && event.seq <= head.seq) return 'conflict';
    const chain = this.chains.get(event.chainId) ?? [];
    chain.push(Object.freeze({ ...event, reasons: [...event.reasons] }));
    this.chains.set(event.chainId, chain);
    this.heads.set(event.chainId, { seq: event.seq, mac: event.mac, tsMs: event.tsMs });
    this.order.push(event.chainId);
    while (this.size > this.maxEvents) this.evictOldest();
    return 'ok';
  }

  async *list(filter: AuditFilter): AsyncIterable<AuditEvent> {
    for (const chainId of [...this.chains.keys()].sort()) {
      for (const event of this.chains.get(chainId) ?? []) {
        if (matches(event, filter)) yield { ...event, reasons: [...event.reasons] };
      }
    }
  }

  /** Events held in memory now (at most `maxEvents`). */
  get size(): number {
    return this.order.length - this.orderStart;
  }

  /**
   * Events older than this may have left the window (`undefined` while none has): pass it to
   * verifyAuditEvents so that chains starting after them verify.
   */
  prunedBeforeMs(): number | undefined {
    return this.newestEvictedTsMs === undefined ? undefined : this.newestEvictedTsMs + 1;
  }

  /** For tests of tamper detection only: the raw array a chain is kept in. */
  unsafeChain(chainId: string): AuditEvent[] {
    return this.chains.get(chainId) ?? [];
  }

  private evictOldest(): void {
    const chainId = this.order[this.orderStart] as string;
    this.orderStart += 1;
    if (this.orderStart > 1024 && this.orderStart * 2 > this.order.length) {
      this.order = this.order.slice(this.orderStart);
      this.orderStart = 0;
    }
    const chain = this.chains.get(chainId);
    const evicted = chain?.shift();
    if (chain && chain.length === 0) this.chains.delete(chainId);
    if (evicted) this.newestEvictedTsMs = Math.max(this.newestEvictedTsMs ?? evicted.tsMs, evicted.tsMs);
  }
}

export function matches(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.userId !== undefined && event.userId !== filter.userId) return false;
  if (filter.sinceMs !== undefined && event.tsMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && event.tsMs > filter.untilMs) return false;
  return true;
}
