import { createHmac } from 'node:crypto';
import type { AuditEvent } from '../../core/audit/auditChain';

/**
 * A chain checkpoint: "chain X has reached seq N, whose MAC is M", signed with the audit key.
 * A receiver that holds a checkpoint can prove it has every event of the chain up to N; without
 * checkpoints, a stream whose last events never arrived would look complete.
 *
 * Checkpoints come in rounds: each streaming process (`nodeId`, random per process) numbers its
 * rounds 1, 2, 3, ... and every checkpoint says (under its MAC) its round and how many
 * checkpoints, one per chain, that round has. So a copy without a whole chain (events and
 * checkpoints) misses a checkpoint of a round, or a whole round, and says so; only rounds after
 * a node's last one a receiver holds stay unprovable.
 */
export type AuditCheckpoint = {
  kind: 'audit_checkpoint';
  /** Deterministic (`checkpoint.<nodeId>.<round>.<chainId>`, see {@link checkpointId}): a resent checkpoint has the same id. */
  id: string;
  chainId: string;
  seq: number;
  headMac: string;
  tsMs: number;
  /** The streaming process that sent it (random per process, so a restart starts a new node at round 1). */
  nodeId: string;
  /** 1, 2, 3, ... per node, one round per checkpoint run that had a changed chain. */
  round: number;
  /** How many checkpoints (distinct chains) the round has. */
  roundSize: number;
  mac: string;
};

/** Every field a checkpoint line may carry (`ts` is the ISO form of `tsMs`, for people). */
export const CHECKPOINT_FIELDS: readonly string[] = ['kind', 'id', 'chainId', 'seq', 'headMac', 'tsMs', 'nodeId', 'round', 'roundSize', 'mac', 'ts'];

export function checkpointId(cp: Pick<AuditCheckpoint, 'nodeId' | 'round' | 'chainId'>): string {
  return `checkpoint.${cp.nodeId}.${cp.round}.${cp.chainId}`;
}

/** What a sink is fed: an audit event as written to the store, or a checkpoint. */
export type AuditStreamRecord = { kind: 'audit_event'; event: AuditEvent } | AuditCheckpoint;

/**
 * The MAC of a checkpoint. The `checkpoint-v2` label keeps it from ever being mistaken for an
 * event MAC made with the same key (an event's canonical form is a 20-field array), or for a
 * checkpoint of the first (round-less) form.
 */
export function checkpointMac(key: string | Buffer, cp: Pick<AuditCheckpoint, 'chainId' | 'seq' | 'headMac' | 'tsMs' | 'nodeId' | 'round' | 'roundSize'>): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['checkpoint-v2', cp.chainId, cp.seq, cp.headMac, cp.tsMs, cp.nodeId, cp.round, cp.roundSize]))
    .digest('base64url');
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
