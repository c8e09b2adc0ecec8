export { auditMac, deriveAuditKey, verifyAuditChain } from './auditChain';
export type { AuditEvent, AuditEventContent, ChainBreak, ChainVerification } from './auditChain';
