import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createAuditWriter } from '../../src/audit/createAuditWriter';
import { createAuditStreamer } from '../../src/audit/sinks/createAuditStreamer';
import { createDeliveryQueue } from '../../src/audit/sinks/createDeliveryQueue';
import { createJsonLinesAuditSink } from '../../src/audit/sinks/createJsonLinesAuditSink';
import { recordId, type AuditStreamRecord } from '../../src/audit/sinks/auditStreamRecord';
import { verifyAuditStream } from '../../src/audit/verifyAuditStream';
import { parseStepGuardOptions } from '../../src/config';
import { createStepGuard } from '../../src/createStepGuard';
import { deriveAuditKey, type AuditEvent } from '../../src/core/audit/auditChain';
import type { RandomSource } from '../../src/core/random';
import { cryptoRandom } from '../../src/core/random';
import { StepGuardConfigError } from '../../src/errors';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { createMemoryStores } from '../../src/stores/memory/createMemoryStores';
import { fakeClock } from '../helpers/fakeClock';
import { RecordingSmsProvider } from '../helpers/RecordingSmsProvider';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const KEY = deriveAuditKey(PEPPER);

/** A stream as a receiver stored it: events of three chains and a checkpoint per chain, via the stdout sink. */
async function storedStream(perChain = 4): Promise<string[]> {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const clock = fakeClock();
  const streamer = createAuditStreamer({ sinks: [createJsonLinesAuditSink({ name: 'stdout', stream: out })], key: KEY, clock, checkpointEverySeconds: 0 });
  const writer = createAuditWriter({ store: new MemoryAuditStore(), key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamer.publish });
  for (let i = 0; i < perChain; i += 1) {
    for (const userId of ['alice', 'bob', null]) await writer.record({ type: 'login_failed', outcome: 'failure', userId, reasons: [`try_${i}`] });
  }
  await streamer.close();
  return lines;
}

const chainOf = (line: string) => (JSON.parse(line) as { chainId: string }).chainId;
const kindOf = (line: string) => (JSON.parse(line) as { kind: string }).kind;
const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;

describe('audit verify --stream (verifyAuditStream)', () => {
  it('accepts a complete stream, shuffled between chains and with retried duplicates', async () => {
    const lines = await storedStream();
    // Reverse the order of chains (each chain's own order kept) and repeat a few lines, as retries do.
    const byChain = ['bob', '_system', 'alice'].flatMap((c) => lines.filter((l) => chainOf(l) === c));
    const report = await verifyAuditStream(KEY, [...byChain, lines[0] as string, lines[4] as string, lines[lines.length - 1] as string]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ chains: 3, events: 12, checkpoints: 3, duplicates: 3, uncheckpointedEvents: 0 });
  });

  it('fails on an edited event line (its MAC)', async () => {
    const lines = await storedStream();
    const i = lines.findIndex((l) => chainOf(l) === 'bob' && seqOf(l) === 2);
    lines[i] = (lines[i] as string).replace('"outcome":"failure"', '"outcome":"success"');
    const report = await verifyAuditStream(KEY, lines);
    expect(report.problems).toEqual([expect.objectContaining({ chainId: 'bob', seq: 2, problem: 'mac_mismatch' })]);
  });

  it('fails when an event before the last checkpoint is missing, even the last one', async () => {
    const lines = await storedStream();
    const withoutMiddle = lines.filter((l) => !(chainOf(l) === 'alice' && kindOf(l) === 'audit_event' && seqOf(l) === 2));
    expect((await verifyAuditStream(KEY, withoutMiddle)).problems).toEqual([expect.objectContaining({ chainId: 'alice', seq: 3, problem: 'sequence_gap' })]);
    // Without checkpoints a missing tail would be invisible; with them it is not.
    const withoutTail = lines.filter((l) => !(chainOf(l) === 'alice' && kindOf(l) === 'audit_event' && seqOf(l) === 4));
    expect((await verifyAuditStream(KEY, withoutTail)).problems).toEqual([expect.objectContaining({ chainId: 'alice', problem: 'missing_before_checkpoint' })]);
  });

  it('fails on a forged checkpoint and on a checkpoint that does not match its head', async () => {
    const lines = await storedStream();
    const cp = lines.findIndex((l) => kindOf(l) === 'audit_checkpoint' && chainOf(l) === 'bob');
    const forged = [...lines];
    forged[cp] = (lines[cp] as string).replace(/"seq":4/, '"seq":3');
    expect((await verifyAuditStream(KEY, forged)).problems).toEqual([expect.objectContaining({ chainId: 'bob', problem: 'checkpoint_mac_mismatch' })]);
    // A genuine checkpoint of bob's, replayed as alice's? Its MAC covers the chain id.
    const swapped = [...lines];
    swapped[cp] = (lines[cp] as string).replace('"chainId":"bob"', '"chainId":"alice"');
    expect((await verifyAuditStream(KEY, swapped)).problems).toEqual([expect.objectContaining({ chainId: 'alice', problem: 'checkpoint_mac_mismatch' })]);
  });

  it('fails on a duplicate that differs from the first copy, and on two events claiming one seq', async () => {
    const lines = await storedStream();
    const first = lines.find((l) => chainOf(l) === 'alice' && seqOf(l) === 1) as string;
    const tampered = first.replace('"reasons":["try_0"]', '"reasons":["try_9"]');
    expect((await verifyAuditStream(KEY, [...lines, tampered])).problems).toEqual([expect.objectContaining({ chainId: 'alice', seq: 1, problem: 'duplicate_differs' })]);
    const fork = first.replace(/"id":"[^"]+"/, '"id":"another-id"');
    expect((await verifyAuditStream(KEY, [...lines, fork])).problems).toEqual([expect.objectContaining({ chainId: 'alice', seq: 1, problem: 'forked_sequence' })]);
  });

  it('fails on a line that is not a record, and with another key', async () => {
    const lines = await storedStream();
    expect((await verifyAuditStream(KEY, [...lines, '{not json'])).problems).toEqual([expect.objectContaining({ problem: 'unreadable_line' })]);
    const report = await verifyAuditStream(deriveAuditKey('another-pepper-that-is-long-enough-0123456789'), lines);
    expect(report.problems).toHaveLength(3);
  });
});

describe('the sinks queue (retries, backoff, bound)', () => {
  // Only what the queue looks at: it never reads an event's content.
  const record = (n: number): AuditStreamRecord => ({ kind: 'audit_event', event: { id: `c${n}`, chainId: 'c', seq: n } as AuditEvent });
  const fixedRandom = (value: number): RandomSource => ({ int: () => value, bytes: (n) => Buffer.alloc(n) });

  it('retries a failed batch unchanged with exponential backoff, jitter from the injected randomness, capped', async () => {
    const sleeps: number[] = [];
    const batches: string[][] = [];
    let failures = 6;
    const queue = createDeliveryQueue({
      name: 't',
      maxQueue: 10,
      maxBatch: 2,
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      random: fixedRandom(500), // half of the possible jitter
      onDropped: () => undefined,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      deliver: async (batch) => {
        batches.push(batch.map(recordId));
        if (failures > 0) {
          failures -= 1;
          throw new Error('down');
        }
      },
    });
    for (let n = 1; n <= 3; n += 1) queue.push(record(n));
    await queue.close(1000);
    // base 100, 200, 400, 800, 1000, 1000, each plus base/2 * 0.5
    expect(sleeps).toEqual([125, 250, 500, 1000, 1250, 1250]);
    expect(batches.slice(0, 7)).toEqual(Array(7).fill(['c1', 'c2']));
    expect(batches[7]).toEqual(['c3']);
  });

  it('drops (and counts) records beyond maxQueue, keeping the ones queued first', async () => {
    let dropped = 0;
    const delivered: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const queue = createDeliveryQueue({
      name: 't',
      maxQueue: 3,
      maxBatch: 10,
      initialBackoffMs: 1,
      maxBackoffMs: 1,
      random: cryptoRandom,
      onDropped: (n) => {
        dropped += n;
      },
      deliver: async (batch) => {
        await gate;
        delivered.push(...batch.map(recordId));
      },
    });
    for (let n = 1; n <= 5; n += 1) queue.push(record(n));
    expect(dropped).toBe(2);
    release();
    await queue.close(1000);
    expect(delivered).toEqual(['c1', 'c2', 'c3']);
  });
});

describe('audit.sinks and audit.checkpointEverySeconds options', () => {
  it('fills in defaults', () => {
    const config = parseStepGuardOptions({ audit: { sinks: [{ type: 'webhook', url: 'https://siem.example.com/in', secret: 'x'.repeat(32) }, { type: 'stdout' }] } });
    expect(config.audit.checkpointEverySeconds).toBe(60);
    expect(config.audit.sinks[0]).toMatchObject({ type: 'webhook', name: 'webhook', maxQueue: 10_000, maxBatch: 100, timeoutMs: 5000 });
    expect(config.audit.sinks[1]).toMatchObject({ type: 'stdout', name: 'stdout' });
    expect(parseStepGuardOptions({}).audit.sinks).toEqual([]);
  });

  it.each([
    [{ sinks: [{ type: 'webhook', url: 'https://x.example', secret: 'short' }] }, /audit\.sinks\.0\.secret: .*openssl rand/],
    [{ sinks: [{ type: 'webhook', url: 'ftp://x.example', secret: 'x'.repeat(32) }] }, /audit\.sinks\.0\.url: must be an http\(s\) URL/],
    [{ sinks: [{ type: 'kafka' }] }, /audit\.sinks\.0.*"webhook", "syslog" or "stdout"/],
    [{ sinks: [{ type: 'syslog', host: '127.0.0.1', port: 70000 }] }, /audit\.sinks\.0\.port/],
    [{ sinks: [{ type: 'stdout' }, { type: 'stdout' }] }, /audit\.sinks\[1\]\.name: another sink is already named "stdout"/],
    [{ checkpointEverySeconds: 0 }, /audit\.checkpointEverySeconds/],
  ])('rejects %j naming the option and the fix', (audit, message) => {
    expect(() => parseStepGuardOptions({ audit } as never)).toThrow(StepGuardConfigError);
    expect(() => parseStepGuardOptions({ audit } as never)).toThrow(message);
  });

  it('in production, refuses a webhook over plain http except to a loopback relay', () => {
    const production = (url: string) =>
      parseStepGuardOptions({
        environment: 'production',
        secrets: { pepper: randomBytes(48).toString('base64'), sessionSecret: randomBytes(48).toString('base64'), encryptionKeys: { k1: randomBytes(32).toString('base64') } },
        stores: { custom: createMemoryStores() },
        sms: { provider: new RecordingSmsProvider() },
        audit: { sinks: [{ type: 'webhook', url, secret: 'x'.repeat(32) }] },
      });
    expect(() => production('http://siem.example.com/in')).toThrow(/audit\.sinks\[0\]\.url: in production the webhook must use https:\/\//);
    expect(() => production('https://siem.example.com/in')).not.toThrow();
    expect(() => production('http://127.0.0.1:9000/in')).not.toThrow();
  });

  it('createStepGuard streams what the service audits, and closeAuditSinks sends the checkpoints', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const guard = createStepGuard({ environment: 'test', secrets: { pepper: PEPPER, sessionSecret: PEPPER }, clock: fakeClock(), audit: { sinks: [{ type: 'stdout', stream: out }] } });
    await guard.service.audit({ type: 'login_failed', outcome: 'failure', userId: 'u1' });
    await guard.service.audit({ type: 'login_failed', outcome: 'failure', userId: 'u1' });
    await guard.closeAuditSinks();
    expect(lines.map(kindOf)).toEqual(['audit_event', 'audit_event', 'audit_checkpoint']);
    expect((await verifyAuditStream(KEY, lines)).problems).toEqual([]);
  });
});

describe('periodic checkpoints', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('every checkpointEverySeconds, one signed checkpoint per chain that changed since the last', async () => {
    jest.useFakeTimers();
    const out = new PassThrough();
    const records: { kind: string; chainId: string; seq: number }[] = [];
    out.on('data', (chunk: Buffer) => records.push(...chunk.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))));
    const clock = fakeClock();
    const streamer = createAuditStreamer({ sinks: [createJsonLinesAuditSink({ name: 'stdout', stream: out })], key: KEY, clock, checkpointEverySeconds: 60 });
    const writer = createAuditWriter({ store: new MemoryAuditStore(), key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamer.publish });
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'bob' });
    const checkpoints = () => records.filter((r) => r.kind === 'audit_checkpoint').map((r) => `${r.chainId}@${r.seq}`);
    jest.advanceTimersByTime(59_000);
    expect(checkpoints()).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(checkpoints()).toEqual(['alice@1', 'bob@1']);
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
    jest.advanceTimersByTime(60_000);
    // bob did not change: no second checkpoint for him.
    expect(checkpoints()).toEqual(['alice@1', 'bob@1', 'alice@2']);
    jest.advanceTimersByTime(60_000);
    expect(checkpoints()).toHaveLength(3);
    await streamer.close();
  });

  it('stepguard/audit exports what a receiver needs', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(Object.keys(require('../../src/audit'))).toEqual(expect.arrayContaining(['verifyAuditStream', 'signWebhookBody', 'checkpointMac', 'WEBHOOK_SIGNATURE_HEADER']));
  });
});
