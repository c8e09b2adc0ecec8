import type { AuditStreamRecord } from './auditStreamRecord';
import { toStreamObject } from './auditStreamRecord';

/**
 * An SD-ID needs an IANA private enterprise number; 32473 is the one RFC 5612 reserves for
 * documentation and examples, used here until stepguard has its own.
 */
export const SYSLOG_SD_ID = 'stepguard@32473';

/** Syslog facility 10: security/authorization messages (authpriv). */
export const DEFAULT_SYSLOG_FACILITY = 10;

// PRINTUSASCII without space, as HOSTNAME, APP-NAME and MSGID require.
const header = (value: string, max: number) => value.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
// Inside PARAM-VALUE, '"', '\' and ']' must be escaped (RFC 5424 §6.3.3).
const param = (value: string) => value.replace(/["\\\]]/g, (c) => `\\${c}`);

function severityOf(record: AuditStreamRecord): number {
  if (record.kind === 'audit_checkpoint') return 6;
  if (record.event.outcome === 'blocked') return 4;
  if (record.event.outcome === 'failure') return 5;
  return 6;
}

/**
 * One record as an RFC 5424 message, framed by octet counting (RFC 6587 §3.4.1: `LEN SP MSG`).
 * MSGID is the event type (or `checkpoint`), the structured data names the record (id, chain,
 * seq) for routing, and MSG is the record's JSON line after a BOM (UTF-8, as §6.4 asks).
 */
export function formatSyslogFrame(record: AuditStreamRecord, options: { hostname: string; appName: string; procId: string; facility: number }): Buffer {
  const object = toStreamObject(record);
  const tsMs = record.kind === 'audit_event' ? record.event.tsMs : record.tsMs;
  const msgId = record.kind === 'audit_event' ? record.event.type : 'checkpoint';
  const chainId = record.kind === 'audit_event' ? record.event.chainId : record.chainId;
  const seq = record.kind === 'audit_event' ? record.event.seq : record.seq;
  const id = record.kind === 'audit_event' ? record.event.id : record.id;
  const pri = options.facility * 8 + severityOf(record);
  const sd = `[${SYSLOG_SD_ID} id="${param(id)}" kind="${record.kind}" chainId="${param(chainId)}" seq="${seq}"]`;
  const message = `<${pri}>1 ${new Date(tsMs).toISOString()} ${header(options.hostname, 255)} ${header(options.appName, 48)} ${header(options.procId, 128)} ${header(msgId, 32)} ${sd} \uFEFF${JSON.stringify(object)}`;
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}
