import type { AuditStreamRecord } from './auditStreamRecord';

/**
 * Where audit records are streamed besides the store. `publish` never throws and never waits:
 * the store is the source of truth and the request path must not depend on a receiver.
 */
export interface AuditSink {
  /** Names the sink in the `stepguard_audit_sink_dropped_total{sink}` metric and in logs. */
  readonly name: string;
  publish(record: AuditStreamRecord): void;
  /** Delivers what is queued (bounded by `timeoutMs`), then releases connections and timers. */
  close(timeoutMs?: number): Promise<void>;
}
