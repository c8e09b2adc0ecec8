import { PassThrough } from 'node:stream';
import { createAuditWriter } from '../../src/audit/createAuditWriter';
import { createAuditStreamer } from '../../src/audit/sinks/createAuditStreamer';
import { createJsonLinesAuditSink } from '../../src/audit/sinks/createJsonLinesAuditSink';
import { verifyAuditStream } from '../../src/audit/verifyAuditStream';
import { deriveAuditKey } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { fakeClock } from '../helpers/fakeClock';

/**
 * Red team, issue #17: `audit verify --stream` must prove a received stream complete. Checkpoints
 * are per chain only, so nothing in the stream says which chains exist: a receiver's copy with
 * one user's whole chain taken out (events and checkpoints) verifies as OK (exit 0) although
 * records a checkpoint had proven are gone (a per-process round counter or a list of chain heads
 * in each checkpoint round would show the hole). A copy cut at a checkpoint boundary is the
 * inherent "after the last checkpoint" limit and is not tested here.
 */
const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const KEY = deriveAuditKey(PEPPER);
const chainOf = (line: string) => (JSON.parse(line) as { chainId: string }).chainId;

/** What a receiver stores from the stdout sink: alice's events, a checkpoint round, bob's events, a checkpoint round, alice again, closing checkpoints. */
async function receivedStream(): Promise<string[]> {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const clock = fakeClock();
  const streamer = createAuditStreamer({ sinks: [createJsonLinesAuditSink({ name: 'stdout', stream: out })], key: KEY, clock, checkpointEverySeconds: 0 });
  const writer = createAuditWriter({ store: new MemoryAuditStore(), key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamer.publish });
  const event = (userId: string, i: number) => writer.record({ type: 'login_failed', outcome: 'failure', userId, reasons: [`try_${i}`] });
  await event('alice', 1);
  await event('alice', 2);
  clock.advanceSeconds(60);
  streamer.checkpoint();
  await event('bob', 1);
  await event('bob', 2);
  await writer.record({ type: 'factor_changed', outcome: 'success', userId: 'bob', actor: 'admin:mallory', reasons: ['change=factor_reset', 'reason=none'] });
  clock.advanceSeconds(60);
  streamer.checkpoint();
  await event('alice', 3);
  await streamer.close();
  await new Promise((resolve) => setImmediate(resolve));
  return lines;
}

describe('red team #17: audit verify --stream and missing chains', () => {
  it('the untouched stream verifies (control)', async () => {
    const lines = await receivedStream();
    const report = await verifyAuditStream(KEY, lines);
    expect(report.problems).toEqual([]);
    expect(report.chains).toBe(2);
  });

  it("a copy with bob's whole chain (events and checkpoints) removed is not proven complete", async () => {
    const lines = await receivedStream();
    const withoutBob = lines.filter((l) => chainOf(l) !== 'bob');
    expect(withoutBob.length).toBeLessThan(lines.length);
    const report = await verifyAuditStream(KEY, withoutBob);
    expect(report.problems).not.toEqual([]);
  });
});

/**
 * The lines a receiver stores carry `ts` (ISO time, what a person or a SIEM reads) beside `tsMs`
 * (what the MAC covers), and fromAuditLine keeps any extra field: an edited `ts`, or a field
 * added to a record, passes `audit verify --stream` although the stored line is not what was sent.
 */
describe('red team #17: audit verify --stream and edited fields the MAC does not cover', () => {
  const bobEventIndex = (lines: string[]) => lines.findIndex((l) => chainOf(l) === 'bob' && (JSON.parse(l) as { kind: string }).kind === 'audit_event' && (JSON.parse(l) as { type: string }).type === 'factor_changed');

  it("an event whose human-readable ts was moved (tsMs left alone) is reported", async () => {
    const lines = await receivedStream();
    const i = bobEventIndex(lines);
    const record = JSON.parse(lines[i] as string) as Record<string, unknown>;
    record.ts = '2020-01-01T03:00:00.000Z';
    lines[i] = JSON.stringify(record);
    expect((await verifyAuditStream(KEY, lines)).problems).not.toEqual([]);
  });

  it('an event with a field added by whoever stored it is reported', async () => {
    const lines = await receivedStream();
    const i = bobEventIndex(lines);
    const record = JSON.parse(lines[i] as string) as Record<string, unknown>;
    record.approvedBy = 'CISO, ticket 4711';
    lines[i] = JSON.stringify(record);
    expect((await verifyAuditStream(KEY, lines)).problems).not.toEqual([]);
  });
});
