// stepguard/audit: verifying and exporting the hash-chained audit trail outside the CLI.
export { verifyAuditChain, deriveAuditKey, auditMac } from './core/audit/auditChain';
export type { AuditEvent, ChainVerification, ChainBreak } from './core/audit/auditChain';
export type { RequestContext, AuditInput } from './audit/createAuditWriter';
// Receiving what audit.sinks stream: the webhook signature, checkpoints, proving a stored stream.
export { verifyAuditStream, verifyAuditStreamFile } from './audit/verifyAuditStream';
export type { AuditStreamReport, StreamProblem } from './audit/verifyAuditStream';
export { signWebhookBody, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_BATCH_ID_HEADER } from './audit/sinks/createWebhookAuditSink';
export { checkpointMac } from './audit/sinks/auditStreamRecord';
export type { AuditCheckpoint, AuditStreamRecord } from './audit/sinks/auditStreamRecord';
export type { AuditSink } from './audit/sinks/AuditSink';
