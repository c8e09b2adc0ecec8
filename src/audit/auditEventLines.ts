import type { AuditEvent } from '../core/audit/auditChain';

/** One exported audit event: a JSON line, times in ISO 8601 for people, milliseconds for tools. */
export function toAuditLine(event: AuditEvent): string {
  return JSON.stringify({ ...event, ts: new Date(event.tsMs).toISOString() });
}

/** Reads a line written by {@link toAuditLine}; throws with the line number when it is not one. */
export function fromAuditLine(line: string, lineNumber: number): AuditEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`line ${lineNumber}: not JSON`);
  }
  const e = parsed as Partial<AuditEvent> & { ts?: string };
  if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.chainId !== 'string' || typeof e.seq !== 'number' || typeof e.mac !== 'string' || typeof e.tsMs !== 'number') {
    throw new Error(`line ${lineNumber}: not an audit event (needs id, chainId, seq, tsMs, mac)`);
  }
  const { ts: _ts, ...event } = e;
  return event as AuditEvent;
}
