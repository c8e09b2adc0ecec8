import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fromAuditLine, toAuditLine } from '../../audit/auditEventLines';
import type { AuditEvent } from '../../core/audit/auditChain';
import { matches } from '../memory/MemoryAuditStore';
import type { AuditFilter, AuditStore } from '../types';

/**
 * The audit trail as an append-only JSON-lines file, in the export format, so
 * `stepguard audit verify --file` checks it directly. For the demo and single-node setups
 * without MongoDB. The file is read once at start; every event is appended synchronously
 * (one process writes it), so a crash never leaves an event half-known.
 */
export class FileAuditStore implements AuditStore {
  private readonly heads = new Map<string, { seq: number; mac: string; tsMs: number }>();
  private readonly events: AuditEvent[] = [];

  constructor(private readonly path: string) {
    if (!existsSync(path)) return;
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        const event = fromAuditLine(line, i + 1);
        this.events.push(event);
        const head = this.heads.get(event.chainId);
        if (!head || event.seq > head.seq) this.heads.set(event.chainId, { seq: event.seq, mac: event.mac, tsMs: event.tsMs });
      });
  }

  async head(chainId: string): Promise<{ seq: number; mac: string; tsMs: number } | null> {
    return this.heads.get(chainId) ?? null;
  }

  async insert(event: AuditEvent): Promise<'ok' | 'conflict'> {
    const head = this.heads.get(event.chainId);
    if (head && event.seq <= head.seq) return 'conflict';
    appendFileSync(this.path, `${toAuditLine(event)}\n`, 'utf8');
    this.events.push({ ...event, reasons: [...event.reasons] });
    this.heads.set(event.chainId, { seq: event.seq, mac: event.mac, tsMs: event.tsMs });
    return 'ok';
  }

  async *list(filter: AuditFilter): AsyncIterable<AuditEvent> {
    const sorted = [...this.events].sort((a, b) => (a.chainId === b.chainId ? a.seq - b.seq : a.chainId < b.chainId ? -1 : 1));
    for (const event of sorted) if (matches(event, filter)) yield { ...event, reasons: [...event.reasons] };
  }
}
