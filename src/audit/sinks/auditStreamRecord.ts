import { createHmac } from 'node:crypto';
import type { AuditEvent } from '../../core/audit/auditChain';

/**
 * A chain checkpoint: "chain X has reached seq N, whose MAC is M", signed with the audit key.
 * A receiver that holds a checkpoint can prove it has every event of the chain up to N; without
 * checkpoints, a stream whose last events never arrived would look complete.
 */
export type AuditCheckpoint = {
  kind: 'audit_checkpoint';
  /** Deterministic (`checkpoint.<chainId>.<seq>`): a resent checkpoint has the same id. */
  id: string;
  chainId: string;
  seq: number;
  headMac: string;
  tsMs: number;
  mac: string;
};

/** What a sink is fed: an audit event as written to the store, or a checkpoint. */
export type AuditStreamRecord = { kind: 'audit_event'; event: AuditEvent } | AuditCheckpoint;

/**
 * The MAC of a checkpoint. The `checkpoint-v1` label keeps it from ever being mistaken for an
 * event MAC made with the same key (an event's canonical form is a 20-field array).
 */
export function checkpointMac(key: string | Buffer, cp: Pick<AuditCheckpoint, 'chainId' | 'seq' | 'headMac' | 'tsMs'>): string {
  return createHmac('sha256', key).update(JSON.stringify(['checkpoint-v1', cp.chainId, cp.seq, cp.headMac, cp.tsMs])).digest('base64url');
}

/** The id a receiver deduplicates on: the event's id, or the checkpoint's. */
export function recordId(record: AuditStreamRecord): string {
  return record.kind === 'audit_event' ? record.event.id : record.id;
}

export function recordChainId(record: AuditStreamRecord): string {
  return record.kind === 'audit_event' ? record.event.chainId : record.chainId;
}

/**
 * One record as a JSON object: an event is the export line's shape (`toAuditLine`) plus
 * `kind`, so `audit verify --stream` reads what a receiver stored without translation.
 */
export function toStreamObject(record: AuditStreamRecord): Record<string, unknown> {
  if (record.kind === 'audit_checkpoint') return { ...record, ts: new Date(record.tsMs).toISOString() };
  return { kind: 'audit_event', ...record.event, ts: new Date(record.event.tsMs).toISOString() };
}

/** One record as one JSON line (no newline). */
export function toStreamLine(record: AuditStreamRecord): string {
  return JSON.stringify(toStreamObject(record));
}
