import { verifyAuditChain, type AuditEvent, type ChainBreak } from '../core/audit/auditChain';

export type AuditVerificationReport = { chains: number; events: number; breaks: ChainBreak[] };

/**
 * Verifies every chain in a stream of events ordered by chain and seq (as stores list them and
 * exports write them). A chain may start above seq 1 only where retention explains it.
 */
export async function verifyAuditEvents(
  key: Buffer,
  events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>,
  /** Events older than this may have been removed by retention (now - retention period). */
  prunedBeforeMs?: number,
): Promise<AuditVerificationReport> {
  const report: AuditVerificationReport = { chains: 0, events: 0, breaks: [] };
  let chain: AuditEvent[] = [];
  const flush = () => {
    if (chain.length === 0) return;
    report.chains += 1;
    report.events += chain.length;
    const result = verifyAuditChain(key, [...chain].sort((a, b) => a.seq - b.seq), prunedBeforeMs === undefined ? {} : { prunedBeforeMs });
    // Sorting first means a swapped pair shows as the MAC/link break it causes, not as a false "order" problem.
    if (!result.ok) report.breaks.push(result.firstBreak);
    chain = [];
  };
  for await (const event of events) {
    if (chain.length > 0 && chain[0]?.chainId !== event.chainId) flush();
    chain.push(event);
  }
  flush();
  return report;
}
