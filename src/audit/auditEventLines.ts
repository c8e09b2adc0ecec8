import { AUDIT_EVENT_FIELDS, type AuditEvent } from '../core/audit/auditChain';

const LINE_FIELDS = new Set([...AUDIT_EVENT_FIELDS, 'ts']);

/** One exported audit event: a JSON line, times in ISO 8601 for people, milliseconds for tools. */
export function toAuditLine(event: AuditEvent): string {
  return JSON.stringify({ ...event, ts: new Date(event.tsMs).toISOString() });
}

/** A line that is not an intact exported audit event (exit 1 in `audit verify`: the export is not what was signed). */
export class AuditLineError extends Error {}

/** Reads a line written by {@link toAuditLine}; throws with the line number when it is not one. */
export function fromAuditLine(line: string, lineNumber: number): AuditEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new AuditLineError(`line ${lineNumber}: not JSON`);
  }
  const e = parsed as Partial<AuditEvent> & { ts?: string };
  if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.chainId !== 'string' || typeof e.seq !== 'number' || typeof e.mac !== 'string' || typeof e.tsMs !== 'number') {
    throw new AuditLineError(`line ${lineNumber}: not an audit event (needs id, chainId, seq, tsMs, mac)`);
  }
  // A line may hold only what the MAC covers, plus `ts`, the readable copy of the signed `tsMs`
  // (what a person or a SIEM reads): anything else could be edited or added unnoticed.
  const unsigned = Object.keys(e).find((k) => !LINE_FIELDS.has(k));
  if (unsigned !== undefined) throw new AuditLineError(`line ${lineNumber}: unsigned field ${JSON.stringify(unsigned.slice(0, 40))}`);
  if (e.ts !== undefined && e.ts !== new Date(e.tsMs).toISOString()) throw new AuditLineError(`line ${lineNumber}: ts does not match the signed tsMs`);
  const { ts: _ts, ...event } = e;
  return event as AuditEvent;
}
