// stepguard/audit: verifying and exporting the hash-chained audit trail outside the CLI.
export { verifyAuditChain, deriveAuditKey, auditMac } from './core/audit/auditChain';
export type { AuditEvent, ChainVerification, ChainBreak } from './core/audit/auditChain';
export type { RequestContext, AuditInput } from './audit/createAuditWriter';
