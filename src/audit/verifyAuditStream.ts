import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AUDIT_EVENT_FIELDS, auditMac, verifyAuditChain, type AuditEvent } from '../core/audit/auditChain';
import { constantTimeEqual } from '../core/otp/constantTimeEqual';
import { fromAuditLine } from './auditEventLines';
import { CHECKPOINT_FIELDS, checkpointId, checkpointMac, type AuditCheckpoint } from './sinks/auditStreamRecord';

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
    | 'round_missing'
    | 'round_incomplete'
    | 'unsigned_field'
    | 'ts_mismatch'
    | 'unreadable_line';
  detail?: string;
};

export type AuditStreamReport = {
  chains: number;
  events: number;
  checkpoints: number;
  /** Checkpoint rounds, over all streaming nodes, and how many nodes sent them. */
  rounds: number;
  nodes: number;
  /**
   * Each streaming node's newest round held and its time. What a node sent after it cannot be
   * shown missing; an operator compares these with when the nodes ran (a node still running
   * should have a round within the last `audit.checkpointEverySeconds` or so).
   */
  lastRounds: { nodeId: string; round: number; tsMs: number }[];
  duplicates: number;
  /**
   * Events after the chain's last checkpoint: linked and MAC-checked, but their completeness is
   * unproven (as is anything after each node's last round: a copy cut there looks complete).
   */
  uncheckpointedEvents: number;
  /** The first problem of each broken chain. */
  problems: StreamProblem[];
};

type Chain = { events: Map<number, AuditEvent>; checkpoints: AuditCheckpoint[]; checkpointMacs: Set<string>; first: StreamProblem | null; eventIds: Map<string, string> };
/** Per streaming node: round number -> the round's size and the chains whose checkpoints arrived. */
type Node = Map<number, { roundSize: number; chains: Set<string>; id: string; tsMs: number }>;

const EVENT_LINE_FIELDS = new Set([...AUDIT_EVENT_FIELDS, 'kind', 'ts']);
const CHECKPOINT_LINE_FIELDS = new Set(CHECKPOINT_FIELDS);
const isoOf = (tsMs: number) => {
  const date = new Date(tsMs);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

/**
 * What of a stored line no MAC vouches for: a field outside the signed set (a receiver or an
 * attacker added it), a `ts` that is not the ISO form of the MAC'd `tsMs` (it is what a person
 * or a SIEM reads), a checkpoint id that is not the one its signed fields give.
 */
function unsignedPart(parsed: Record<string, unknown>, allowed: Set<string>, tsMs: number): { problem: 'unsigned_field' | 'ts_mismatch'; detail: string } | null {
  const extra = Object.keys(parsed).filter((k) => !allowed.has(k));
  if (extra.length) return { problem: 'unsigned_field', detail: `field(s) no MAC covers: ${extra.slice(0, 5).map((k) => JSON.stringify(k)).join(', ')}` };
  if (parsed.ts !== isoOf(tsMs)) return { problem: 'ts_mismatch', detail: `ts ${JSON.stringify(parsed.ts)} is not the signed tsMs ${tsMs}` };
  return null;
}

/**
 * Proves a stream a receiver stored (JSON lines of events and checkpoints, as the sinks send
 * them, in any order between chains, with retried duplicates) complete and untampered: per
 * chain, every event's MAC and link, no gap from seq 1 up to the highest checkpoint, and each
 * checkpoint's MAC and its head MAC equal to the event at its seq. A duplicate must be the
 * same record (same id, same MAC); two records claiming one seq are a fork. Per streaming node,
 * its checkpoint rounds run 1..N without a gap and each round holds as many chains' checkpoints
 * as it says it has, so a chain taken out whole is seen. Every line holds only signed fields
 * (and a `ts` equal to its signed `tsMs`), so what a reader sees is what was MAC'd.
 */
export async function verifyAuditStream(key: Buffer, lines: AsyncIterable<string> | Iterable<string>): Promise<AuditStreamReport> {
  const chains = new Map<string, Chain>();
  const report: AuditStreamReport = { chains: 0, events: 0, checkpoints: 0, rounds: 0, nodes: 0, lastRounds: [], duplicates: 0, uncheckpointedEvents: 0, problems: [] };
  const nodes = new Map<string, Node>();
  // Rounds a rejected checkpoint claims: that checkpoint is reported already, not again as its round missing or short.
  const rejectedRounds = new Set<string>();
  const chainOf = (chainId: string) => {
    let chain = chains.get(chainId);
    if (!chain) {
      chain = { events: new Map(), checkpoints: [], checkpointMacs: new Set(), first: null, eventIds: new Map() };
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
      if (
        typeof cp.chainId !== 'string' || typeof cp.seq !== 'number' || typeof cp.headMac !== 'string' || typeof cp.mac !== 'string' || typeof cp.tsMs !== 'number' ||
        typeof cp.nodeId !== 'string' || !Number.isSafeInteger(cp.round) || cp.round < 1 || !Number.isSafeInteger(cp.roundSize) || cp.roundSize < 1
      ) {
        unreadable.push({ chainId: '-', seq: null, id: null, problem: 'unreadable_line', detail: `line ${lineNumber}: not a checkpoint` });
        continue;
      }
      const chain = chainOf(cp.chainId);
      if (!constantTimeEqual(checkpointMac(key, cp), cp.mac)) {
        note(chain, { chainId: cp.chainId, seq: cp.seq, id: String(cp.id), problem: 'checkpoint_mac_mismatch' });
        rejectedRounds.add(`round.${cp.nodeId}.${cp.round}`);
        continue;
      }
      const unsigned = unsignedPart(parsed, CHECKPOINT_LINE_FIELDS, cp.tsMs) ?? (cp.id === checkpointId(cp) ? null : { problem: 'unsigned_field' as const, detail: `id ${JSON.stringify(cp.id)} is not ${checkpointId(cp)}` });
      if (unsigned) {
        note(chain, { chainId: cp.chainId, seq: cp.seq, id: checkpointId(cp), ...unsigned });
        rejectedRounds.add(`round.${cp.nodeId}.${cp.round}`);
        continue;
      }
      // A retried checkpoint is the same record (same signed fields, so the same MAC): count it once.
      if (chain.checkpointMacs.has(cp.mac)) {
        report.duplicates += 1;
        continue;
      }
      report.checkpoints += 1;
      chain.checkpoints.push(cp);
      chain.checkpointMacs.add(cp.mac);
      let node = nodes.get(cp.nodeId);
      if (!node) {
        node = new Map();
        nodes.set(cp.nodeId, node);
      }
      let round = node.get(cp.round);
      if (!round) {
        round = { roundSize: cp.roundSize, chains: new Set(), id: `round.${cp.nodeId}.${cp.round}`, tsMs: cp.tsMs };
        node.set(cp.round, round);
      }
      // Two sizes for one round cannot come from one node: count it as a round that does not add up.
      if (round.roundSize !== cp.roundSize) round.roundSize = -1;
      round.chains.add(cp.chainId);
      continue;
    }
    let event: AuditEvent;
    try {
      if (parsed.kind !== undefined && parsed.kind !== 'audit_event') throw new Error(`line ${lineNumber}: unknown kind`);
      const { kind: _kind, ...rest } = parsed;
      event = fromAuditLine(JSON.stringify(rest), lineNumber);
    } catch (err) {
      unreadable.push({ chainId: '-', seq: null, id: null, problem: 'unreadable_line', detail: (err as Error).message });
      continue;
    }
    const chain = chainOf(event.chainId);
    // fromAuditLine keeps whatever else the line holds; the MAC below covers only the signed fields.
    const unsigned = unsignedPart(parsed, EVENT_LINE_FIELDS, event.tsMs);
    if (unsigned) {
      note(chain, { chainId: event.chainId, seq: event.seq, id: event.id, ...unsigned });
      continue;
    }
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
    const lastCheckpoint = chain.checkpoints.reduce((max, cp) => Math.max(max, cp.seq), 0);
    report.uncheckpointedEvents += events.filter((e) => e.seq > lastCheckpoint).length;
  }
  for (const [nodeId, node] of [...nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    report.nodes += 1;
    report.rounds += node.size;
    let last = 0;
    for (const n of node.keys()) last = Math.max(last, n);
    report.lastRounds.push({ nodeId, round: last, tsMs: (node.get(last) as { tsMs: number }).tsMs });
    const problem = checkRounds(nodeId, node, rejectedRounds);
    if (problem) report.problems.push(problem);
  }
  return report;
}

/**
 * A node's rounds: 1 up to the highest one held, none missing, each with a checkpoint from as
 * many chains as it says. Rounds after the last one held are the stream's unprovable tail.
 */
function checkRounds(nodeId: string, node: Node, rejected: Set<string>): StreamProblem | null {
  // A loop, not Math.max(...keys): a year of minutely rounds is too many arguments for a call.
  let highest = 0;
  for (const n of node.keys()) highest = Math.max(highest, n);
  for (let n = 1; n <= highest; n += 1) {
    const round = node.get(n);
    if (!round) {
      if (rejected.has(`round.${nodeId}.${n}`)) continue;
      return { chainId: '-', seq: null, id: `round.${nodeId}.${n}`, problem: 'round_missing', detail: `node ${nodeId} sent rounds up to ${highest}; round ${n} (all its checkpoints) is not in the stream` };
    }
    if (round.roundSize !== round.chains.size && !rejected.has(round.id)) {
      const size = round.roundSize < 0 ? 'an inconsistent number of' : String(round.roundSize);
      return { chainId: '-', seq: null, id: round.id, problem: 'round_incomplete', detail: `node ${nodeId} round ${n} checkpointed ${size} chains; ${round.chains.size} of them are in the stream` };
    }
  }
  return null;
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
  for (const r of report.lastRounds) out.write(`node ${r.nodeId}: last round ${r.round} at ${isoOf(r.tsMs) ?? r.tsMs} (nothing after it is provable)\n`);
  for (const p of report.problems) {
    const at = p.seq === null ? '' : ` at seq ${p.seq}`;
    const id = p.id === null ? '' : ` (${p.id})`;
    const where = p.problem.startsWith('round_') ? 'checkpoint rounds' : `chain ${p.chainId}`;
    out.write(`BROKEN ${where}${at}${id}: ${p.problem.replace(/_/g, ' ')}${p.detail ? `: ${p.detail}` : ''}\n`);
  }
  const status = report.problems.length ? 'FAILED' : 'OK';
  out.write(
    `${status}: ${report.chains} chains, ${report.events} events, ${report.checkpoints} checkpoints, ${report.duplicates} duplicates, ` +
      `${report.problems.length} broken, ${report.rounds} checkpoint rounds from ${report.nodes} nodes; ` +
      `${report.uncheckpointedEvents} events after the last checkpoint (checked, completeness unproven; so is anything after each node's last round)\n`,
  );
  return report.problems.length ? 1 : 0;
}
