import { PassThrough } from 'node:stream';
import { createAuditWriter } from '../../src/audit/createAuditWriter';
import { createAuditStreamer, type AuditStreamer } from '../../src/audit/sinks/createAuditStreamer';
import { createJsonLinesAuditSink } from '../../src/audit/sinks/createJsonLinesAuditSink';
import { verifyAuditStream } from '../../src/audit/verifyAuditStream';
import { deriveAuditKey } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { fakeClock } from '../helpers/fakeClock';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const KEY = deriveAuditKey(PEPPER);
type Line = { kind: string; chainId: string; seq: number; nodeId?: string; round?: number; roundSize?: number; id: string };
const parse = (line: string) => JSON.parse(line) as Line;

function captured(): { lines: string[]; streamer: (clock: ReturnType<typeof fakeClock>) => AuditStreamer } {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { lines, streamer: (clock) => createAuditStreamer({ sinks: [createJsonLinesAuditSink({ name: 'stdout', stream: out })], key: KEY, clock, checkpointEverySeconds: 0 }) };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Two processes writing to one store, each streaming what it wrote: both touch alice's chain. */
async function twoNodes(): Promise<{ a: string[]; b: string[] }> {
  const clock = fakeClock();
  const store = new MemoryAuditStore();
  const a = captured();
  const b = captured();
  const streamerA = a.streamer(clock);
  const streamerB = b.streamer(clock);
  const writerA = createAuditWriter({ store, key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamerA.publish });
  const writerB = createAuditWriter({ store, key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamerB.publish });
  await writerA.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
  await writerB.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
  await writerB.record({ type: 'login_failed', outcome: 'failure', userId: 'bob' });
  streamerA.checkpoint();
  streamerB.checkpoint();
  await writerA.record({ type: 'login_failed', outcome: 'failure', userId: 'carol' });
  await streamerA.close();
  await streamerB.close();
  await flush();
  return { a: a.lines, b: b.lines };
}

describe('checkpoint rounds (audit verify --stream)', () => {
  it('numbers rounds per process without gaps: a run with no changed chain sends no round', async () => {
    const clock = fakeClock();
    const { lines, streamer: make } = captured();
    const streamer = make(clock);
    const writer = createAuditWriter({ store: new MemoryAuditStore(), key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamer.publish });
    streamer.checkpoint();
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'bob' });
    streamer.checkpoint();
    streamer.checkpoint();
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'bob' });
    await streamer.close();
    await flush();
    const checkpoints = lines.map(parse).filter((l) => l.kind === 'audit_checkpoint');
    expect(checkpoints.map((c) => [c.chainId, c.round, c.roundSize])).toEqual([['alice', 1, 2], ['bob', 1, 2], ['bob', 2, 1]]);
    expect(new Set(checkpoints.map((c) => c.nodeId)).size).toBe(1);
    expect(await verifyAuditStream(KEY, lines)).toMatchObject({ problems: [], rounds: 2, nodes: 1, lastRounds: [{ nodeId: checkpoints[0]?.nodeId, round: 2, tsMs: clock.nowMs() }] });
  });

  it('two nodes vouching for the same chain: both copies verify together, one set of rounds per node', async () => {
    const { a, b } = await twoNodes();
    const report = await verifyAuditStream(KEY, [...b, ...a]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ chains: 3, nodes: 2, rounds: 3, duplicates: 0 });
  });

  it("a copy without one node's checkpoint of a shared chain reports that node's round short of it", async () => {
    const { a, b } = await twoNodes();
    const bNode = parse(b.find((l) => parse(l).kind === 'audit_checkpoint') as string).nodeId;
    const withoutOne = b.filter((l) => !(parse(l).kind === 'audit_checkpoint' && parse(l).chainId === 'alice'));
    const report = await verifyAuditStream(KEY, [...a, ...withoutOne]);
    expect(report.problems).toEqual([expect.objectContaining({ problem: 'round_incomplete', id: `round.${bNode}.1` })]);
  });

  it('a copy without a middle round (all its checkpoints) reports the gap', async () => {
    const { a, b } = await twoNodes();
    const aNode = parse(a.find((l) => parse(l).kind === 'audit_checkpoint') as string).nodeId;
    const withoutRound1 = a.filter((l) => parse(l).round !== 1);
    expect((await verifyAuditStream(KEY, [...withoutRound1, ...b])).problems).toEqual([expect.objectContaining({ problem: 'round_missing', id: `round.${aNode}.1` })]);
  });

  it('a checkpoint line with an added field, a moved ts or another id is reported; so is a line of an unknown kind', async () => {
    const { a, b } = await twoNodes();
    const i = a.findIndex((l) => parse(l).kind === 'audit_checkpoint');
    const edit = (change: (record: Record<string, unknown>) => void) => {
      const record = JSON.parse(a[i] as string) as Record<string, unknown>;
      change(record);
      return [...a.slice(0, i), JSON.stringify(record), ...a.slice(i + 1), ...b];
    };
    const problemsOf = async (lines: string[]) => (await verifyAuditStream(KEY, lines)).problems.map((p) => p.problem);
    expect(await problemsOf(edit((r) => (r.note = 'ok')))).toEqual(['unsigned_field']);
    expect(await problemsOf(edit((r) => (r.ts = '2020-01-01T00:00:00.000Z')))).toEqual(['ts_mismatch']);
    expect(await problemsOf(edit((r) => (r.id = 'checkpoint.other')))).toEqual(['unsigned_field']);
    const event = JSON.parse(a[0] as string) as Record<string, unknown>;
    expect(await problemsOf([...a, ...b, JSON.stringify({ ...event, kind: 'audit_note' })])).toEqual(['unreadable_line']);
  });
});
