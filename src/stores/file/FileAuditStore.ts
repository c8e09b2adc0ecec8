import { appendFileSync, createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fromAuditLine, toAuditLine } from '../../audit/auditEventLines';
import type { AuditEvent } from '../../core/audit/auditChain';
import { matches } from '../memory/MemoryAuditStore';
import type { AuditFilter, AuditStore } from '../types';

/**
 * The audit trail as an append-only JSON-lines file, in the export format, so
 * `stepguard audit verify --file` checks it directly. For the demo and single-node setups
 * without MongoDB. Every event is appended synchronously (one process writes it), so a crash
 * never leaves an event half-known. The file holds everything; memory holds only each chain's
 * head (read once at start), so the process does not grow with the trail: `list` reads the file.
 */
export class FileAuditStore implements AuditStore {
  private readonly heads = new Map<string, { seq: number; mac: string; tsMs: number }>();

  constructor(private readonly path: string) {
    if (!existsSync(path)) return;
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        const event = fromAuditLine(line, i + 1);
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
    this.heads.set(event.chainId, { seq: event.seq, mac: event.mac, tsMs: event.tsMs });
    return 'ok';
  }

  async *list(filter: AuditFilter): AsyncIterable<AuditEvent> {
    if (!existsSync(this.path)) return;
    // Only the matching events are held, and only while listing.
    const found: AuditEvent[] = [];
    let lineNumber = 0;
    for await (const line of createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity })) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      const event = fromAuditLine(line, lineNumber);
      if (matches(event, filter)) found.push(event);
    }
    found.sort((a, b) => (a.chainId === b.chainId ? a.seq - b.seq : a.chainId < b.chainId ? -1 : 1));
    yield* found;
  }
}
