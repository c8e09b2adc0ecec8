import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { auditMac, verifyAuditChain, type AuditEvent } from '../core/audit/auditChain';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { fromAuditLine } from './auditEventLines';
import { checkpointMac, type AuditCheckpoint } from './sinks/auditStreamRecord';

export type StreamProblem = {
  chainId: string;
  seq: number | null;
  /** The event or checkpoint id the problem was found at, or `null` for the stream as a whole. */
  id: string | null;
  problem:
    | 'mac_mismatch'
    | 'broken_link'
    | 'sequence_gap'
    | 'out_of_order'
    | 'head_missing'
    | 'duplicate_differs'
    | 'forked_sequence'
    | 'checkpoint_mac_mismatch'
    | 'checkpoint_head_mismatch'
    | 'missing_before_checkpoint'
    | 'unreadable_line';
  detail?: string;
};

export type AuditStreamReport = {
  chains: number;
  events: number;
  checkpoints: number;
  duplicates: number;
  /** Events after the chain's last checkpoint: linked and MAC-checked, but their completeness is unproven. */
  uncheckpointedEvents: number;
  /** The first problem of each broken chain. */
  problems: StreamProblem[];
};

type Chain = { events: Map<number, AuditEvent>; checkpoints: AuditCheckpoint[]; first: StreamProblem | null; eventIds: Map<string, string> };

/**
 * Proves a stream a receiver stored (JSON lines of events and checkpoints, as the sinks send
 * them, in any order between chains, with retried duplicates) complete and untampered: per
 * chain, every event's MAC and link, no gap from seq 1 up to the highest checkpoint, and each
 * checkpoint's MAC and its head MAC equal to the event at its seq. A duplicate must be the
 * same record (same id, same MAC); two records claiming one seq are a fork.
 */
export async function verifyAuditStream(key: Buffer, lines: AsyncIterable<string> | Iterable<string>): Promise<AuditStreamReport> {
  const chains = new Map<string, Chain>();
  const report: AuditStreamReport = { chains: 0, events: 0, checkpoints: 0, duplicates: 0, uncheckpointedEvents: 0, problems: [] };
  const chainOf = (chainId: string) => {
    let chain = chains.get(chainId);
    if (!chain) {
      chain = { events: new Map(), checkpoints: [], first: null, eventIds: new Map() };
      chains.set(chainId, chain);
    }
    return chain;
  };
  const note = (chain: Chain, problem: StreamProblem) => {
    chain.first ??= problem;
  };
  let lineNumber = 0;
  const unreadable: StreamProblem[] = [];
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    } catch {
      unreadable.push({ chainId: '-', seq: null, id: null, problem: 'unreadable_line', detail: `line ${lineNumber}: not JSON` });
      continue;
    }
    if (parsed.kind === 'audit_checkpoint') {
      const cp = parsed as unknown as AuditCheckpoint;
      if (typeof cp.chainId !== 'string' || typeof cp.seq !== 'number' || typeof cp.headMac !== 'string' || typeof cp.mac !== 'string' || typeof cp.tsMs !== 'number') {
        unreadable.push({ chainId: '-', seq: null, id: null, problem: 'unreadable_line', detail: `line ${lineNumber}: not a checkpoint` });
        continue;
      }
      const chain = chainOf(cp.chainId);
      if (!constantTimeEqual(checkpointMac(key, cp), cp.mac)) {
        note(chain, { chainId: cp.chainId, seq: cp.seq, id: String(cp.id), problem: 'checkpoint_mac_mismatch' });
        continue;
      }
      // A retried checkpoint is the same record (its MAC checked above): count it once.
      if (chain.checkpoints.some((known) => known.seq === cp.seq && known.headMac === cp.headMac)) {
        report.duplicates += 1;
        continue;
      }
      report.checkpoints += 1;
      chain.checkpoints.push(cp);
      continue;
    }
    let event: AuditEvent;
    try {
      const { kind: _kind, ...rest } = parsed;
      event = fromAuditLine(JSON.stringify(rest), lineNumber);
    } catch (err) {
      unreadable.push({ chainId: '-', seq: null, id: null, problem: 'unreadable_line', detail: (err as Error).message });
      continue;
    }
    const chain = chainOf(event.chainId);
    const known = chain.events.get(event.seq);
    if (known) {
      report.duplicates += 1;
      if (known.id !== event.id) note(chain, { chainId: event.chainId, seq: event.seq, id: event.id, problem: 'forked_sequence' });
      else if (!constantTimeEqual(known.mac, event.mac) || !constantTimeEqual(auditMac(key, withoutMac(event)), event.mac)) {
        note(chain, { chainId: event.chainId, seq: event.seq, id: event.id, problem: 'duplicate_differs' });
      }
      continue;
    }
    chain.events.set(event.seq, event);
  }

  report.problems.push(...unreadable.slice(0, 1));
  for (const [chainId, chain] of [...chains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    report.chains += 1;
    report.events += chain.events.size;
    const events = [...chain.events.values()].sort((a, b) => a.seq - b.seq);
    const problem = chain.first ?? checkChain(key, chainId, events, chain.checkpoints);
    if (problem) report.problems.push(problem);
    const lastCheckpoint = Math.max(0, ...chain.checkpoints.map((cp) => cp.seq));
    report.uncheckpointedEvents += events.filter((e) => e.seq > lastCheckpoint).length;
  }
  return report;
}

function checkChain(key: Buffer, chainId: string, events: AuditEvent[], checkpoints: AuditCheckpoint[]): StreamProblem | null {
  const result = verifyAuditChain(key, events);
  if (!result.ok) {
    const b = result.firstBreak;
    return { chainId, seq: b.seq, id: b.eventId, problem: b.problem };
  }
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  const highest = events.length ? (events[events.length - 1] as AuditEvent).seq : 0;
  for (const cp of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    if (cp.seq > highest) {
      return { chainId, seq: highest + 1, id: cp.id, problem: 'missing_before_checkpoint', detail: `checkpoint at seq ${cp.seq}, events end at seq ${highest}` };
    }
    const head = bySeq.get(cp.seq) as AuditEvent;
    if (!constantTimeEqual(head.mac, cp.headMac)) return { chainId, seq: cp.seq, id: cp.id, problem: 'checkpoint_head_mismatch' };
  }
  return null;
}

function withoutMac(event: AuditEvent): Omit<AuditEvent, 'mac'> {
  const { mac: _mac, ...rest } = event;
  return rest;
}

/**
 * `stepguard audit verify --stream FILE`: reads the stored stream, prints the first problem of
 * each broken chain and a summary line, and returns the exit code (0 proven, 1 a problem).
 */
export async function verifyAuditStreamFile(key: Buffer, path: string, out: { write(text: string): unknown }): Promise<number> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  const report = await verifyAuditStream(key, lines);
  for (const p of report.problems) {
    const at = p.seq === null ? '' : ` at seq ${p.seq}`;
    const id = p.id === null ? '' : ` (${p.id})`;
    out.write(`BROKEN chain ${p.chainId}${at}${id}: ${p.problem.replace(/_/g, ' ')}${p.detail ? `: ${p.detail}` : ''}\n`);
  }
  const status = report.problems.length ? 'FAILED' : 'OK';
  out.write(
    `${status}: ${report.chains} chains, ${report.events} events, ${report.checkpoints} checkpoints, ${report.duplicates} duplicates, ` +
      `${report.problems.length} broken; ${report.uncheckpointedEvents} events after the last checkpoint (checked, completeness unproven)\n`,
  );
  return report.problems.length ? 1 : 0;
}
