import { createAuditWriter, type AuditWriter } from '../../src/audit/createAuditWriter';
import type { AuditSink } from '../../src/audit/sinks/AuditSink';
import { createAuditStreamer, type AuditStreamer } from '../../src/audit/sinks/createAuditStreamer';
import { createSyslogAuditSink } from '../../src/audit/sinks/createSyslogAuditSink';
import { createWebhookAuditSink } from '../../src/audit/sinks/createWebhookAuditSink';
import { verifyAuditStream } from '../../src/audit/verifyAuditStream';
import { deriveAuditKey } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';
import { createMetrics, type StepGuardMetrics } from '../../src/metrics/createMetrics';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { startAuditWebhookReceiver, type WebhookReceiver } from '../helpers/auditWebhookReceiver';
import { fakeClock } from '../helpers/fakeClock';
import { startSyslogListener } from '../helpers/syslogListener';

const PEPPER = 'test-pepper-that-is-long-enough-for-validation-0123';
const SECRET = 'webhook-secret-that-is-at-least-32-characters';
const KEY = deriveAuditKey(PEPPER);
const FAST = { initialBackoffMs: 5, maxBackoffMs: 40 };

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function droppedCount(metrics: StepGuardMetrics, sink: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'stepguard_audit_sink_dropped_total');
  return (metric?.values ?? []).filter((v) => v.labels.sink === sink).reduce((sum, v) => sum + v.value, 0);
}

/** A writer that streams to `sinks`, as createStepGuard wires it. */
function streamingWriter(sinks: AuditSink[]): { writer: AuditWriter; streamer: AuditStreamer; store: MemoryAuditStore } {
  const clock = fakeClock();
  const store = new MemoryAuditStore();
  const streamer = createAuditStreamer({ sinks, key: KEY, clock, checkpointEverySeconds: 0 });
  const writer = createAuditWriter({ store, key: KEY, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 30, onAppended: streamer.publish });
  return { writer, streamer, store };
}

/** Events on three chains, interleaved, with a phone number (only its mask and hash may travel). */
async function writeEvents(writer: AuditWriter, perChain: number, from = 0): Promise<void> {
  for (let i = from; i < from + perChain; i += 1) {
    await Promise.all(
      ['alice', 'bob', null].map((userId) =>
        writer.record({ type: 'otp_sent', outcome: 'success', userId, factor: 'sms', phone: '+14155550123', country: 'US', reasons: [`n${i}`], context: { ip: '192.0.2.1' } }),
      ),
    );
  }
}

/** Per chain, the seqs in the order the receiver first saw them. */
function firstSeenSeqs(records: Record<string, unknown>[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byChain = new Map<string, number[]>();
  for (const r of records) {
    if (r.kind !== 'audit_event' || seen.has(r.id as string)) continue;
    seen.add(r.id as string);
    const list = byChain.get(r.chainId as string) ?? [];
    list.push(r.seq as number);
    byChain.set(r.chainId as string, list);
  }
  return byChain;
}

describe('webhook audit sink (loopback receiver that checks signatures)', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startAuditWebhookReceiver(SECRET);
  });
  afterEach(async () => {
    await receiver.close();
  });

  const webhook = (metrics: StepGuardMetrics, over: Partial<{ maxQueue: number; maxBatch: number }> = {}) =>
    createWebhookAuditSink(
      { name: 'siem', url: receiver.url(), secret: SECRET, maxQueue: over.maxQueue ?? 1000, maxBatch: over.maxBatch ?? 4, timeoutMs: 2000, ...FAST },
      { clock: fakeClock(), random: cryptoRandom, onDropped: (n) => metrics.auditSinkDropped({ sink: 'siem' }, n) },
    );

  it('delivers every event, signed, in order per chain, and a checkpoint per chain on close; the stored stream verifies', async () => {
    const metrics = createMetrics();
    const { writer, streamer, store } = streamingWriter([webhook(metrics)]);
    await writeEvents(writer, 5);
    await streamer.close();
    expect(receiver.badSignatures()).toBe(0);
    const records = receiver.records();
    expect(records.filter((r) => r.kind === 'audit_event')).toHaveLength(15);
    for (const seqs of firstSeenSeqs(records).values()) expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(records.filter((r) => r.kind === 'audit_checkpoint').map((r) => [r.chainId, r.seq]).sort()).toEqual([['_system', 5], ['alice', 5], ['bob', 5]]);
    // The stream carries exactly what the store holds.
    const stored = [];
    for await (const e of store.list({})) stored.push(e.id);
    expect(new Set(records.filter((r) => r.kind === 'audit_event').map((r) => r.id))).toEqual(new Set(stored));
    const report = await verifyAuditStream(KEY, receiver.lines);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ chains: 3, events: 15, checkpoints: 3, uncheckpointedEvents: 0 });
  });

  it('a receiver with another secret refuses every delivery (the signature covers the body)', async () => {
    const metrics = createMetrics();
    const sink = createWebhookAuditSink(
      { name: 'siem', url: receiver.url(), secret: 'some-other-secret-that-is-32-characters-long', maxQueue: 100, maxBatch: 10, timeoutMs: 2000, ...FAST },
      { clock: fakeClock(), random: cryptoRandom, onDropped: (n) => metrics.auditSinkDropped({ sink: 'siem' }, n) },
    );
    const { writer, streamer } = streamingWriter([sink]);
    await writeEvents(writer, 1);
    await eventually(() => receiver.badSignatures() >= 2, 'retried refused deliveries');
    await streamer.close(50);
    expect(receiver.lines).toEqual([]);
    // Undeliverable at close: counted as dropped, not silently gone.
    expect(await droppedCount(metrics, 'siem')).toBeGreaterThan(0);
  });

  it('loses nothing across an outage (503, lost answers, connection refused): order kept per chain, duplicates only under the same id', async () => {
    const metrics = createMetrics();
    const { writer, streamer } = streamingWriter([webhook(metrics)]);
    await writeEvents(writer, 2);
    await eventually(() => receiver.lines.length >= 6, 'first events');
    receiver.setMode('503');
    await writeEvents(writer, 2, 2);
    await eventually(() => receiver.deliveries() >= 10, 'failed retries during 503');
    receiver.setMode('lostAnswer');
    await eventually(() => receiver.deliveries() >= 13, 'deliveries whose answer is lost');
    await receiver.down();
    await writeEvents(writer, 3, 4);
    await new Promise((r) => setTimeout(r, 60));
    await receiver.up();
    receiver.setMode('ok');
    await streamer.close();

    const records = receiver.records();
    const events = records.filter((r) => r.kind === 'audit_event');
    expect(new Set(events.map((r) => r.id)).size).toBe(21);
    for (const seqs of firstSeenSeqs(records).values()) expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Retries repeated records the receiver already had: the same id always means the same record.
    expect(events.length).toBeGreaterThan(21);
    const byId = new Map<string, string>();
    for (const line of receiver.lines) {
      const id = (JSON.parse(line) as { id: string }).id;
      expect(byId.get(id) ?? line).toBe(line);
      byId.set(id, line);
    }
    expect(await droppedCount(metrics, 'siem')).toBe(0);
    const report = await verifyAuditStream(KEY, receiver.lines);
    expect(report.problems).toEqual([]);
    expect(report.duplicates).toBeGreaterThan(0);
  });

  it('a full queue drops and counts, and verify --stream then reports the gap', async () => {
    const metrics = createMetrics();
    const { writer, streamer } = streamingWriter([webhook(metrics, { maxQueue: 3, maxBatch: 2 })]);
    await receiver.down();
    for (let i = 0; i < 8; i += 1) await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
    expect(await droppedCount(metrics, 'siem')).toBe(5);
    await receiver.up();
    await eventually(() => receiver.lines.length >= 3, 'the queued events');
    await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
    await streamer.close();
    const report = await verifyAuditStream(KEY, receiver.lines);
    expect(report.problems).toEqual([expect.objectContaining({ chainId: 'alice', seq: 9, problem: 'sequence_gap' })]);
  });

  it('a receiver that never answers does not hold up the writer (the request path)', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    const port = (hanging.address() as { port: number }).port;
    const metrics = createMetrics();
    const sink = createWebhookAuditSink(
      { name: 'siem', url: `http://127.0.0.1:${port}/`, secret: SECRET, maxQueue: 100, maxBatch: 10, timeoutMs: 60_000, ...FAST },
      { clock: fakeClock(), random: cryptoRandom, onDropped: (n) => metrics.auditSinkDropped({ sink: 'siem' }, n) },
    );
    const { writer, streamer } = streamingWriter([sink]);
    try {
      const started = Date.now();
      await writeEvents(writer, 5);
      expect(Date.now() - started).toBeLessThan(1000);
      await streamer.close(20);
      // What never got through is counted, not lost silently.
      expect(await droppedCount(metrics, 'siem')).toBe(18);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });

  it('a full queue still takes the checkpoint, so a dropped tail is reported without any later event', async () => {
    const metrics = createMetrics();
    const { writer, streamer } = streamingWriter([webhook(metrics, { maxQueue: 3, maxBatch: 2 })]);
    await receiver.down();
    for (let i = 0; i < 8; i += 1) await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'alice' });
    streamer.checkpoint();
    expect(await droppedCount(metrics, 'siem')).toBe(5);
    await receiver.up();
    await streamer.close();
    const report = await verifyAuditStream(KEY, receiver.lines);
    expect(report.problems).toEqual([expect.objectContaining({ chainId: 'alice', seq: 4, problem: 'missing_before_checkpoint' })]);
  });

  it('sends no code, secret, full number or pepper: only the fields an audit event holds', async () => {
    const metrics = createMetrics();
    const { writer, streamer } = streamingWriter([webhook(metrics)]);
    await writeEvents(writer, 1);
    await streamer.close();
    const text = receiver.lines.join('\n');
    expect(text).not.toContain('4155550123');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PEPPER);
    const allowed = new Set([
      'kind', 'ts', 'id', 'chainId', 'seq', 'tsMs', 'type', 'userId', 'actor', 'outcome', 'reasons', 'requestId', 'ip', 'userAgent',
      'deviceId', 'factor', 'action', 'phoneMasked', 'phoneHash', 'country', 'prevMac', 'prevTsMs', 'mac', 'lineType', 'lineTypeSource', 'headMac',
      // A checkpoint's round: the streaming process's random id, its round number and size.
      'nodeId', 'round', 'roundSize',
    ]);
    for (const record of receiver.records()) for (const key of Object.keys(record)) expect(allowed).toContain(key);
  });
});

describe('syslog audit sink (RFC 5424 over TCP, octet counting)', () => {
  it('frames each record as an RFC 5424 message with the JSON record as MSG, and reconnects after the listener was down', async () => {
    const listener = await startSyslogListener();
    const metrics = createMetrics();
    const sink = createSyslogAuditSink(
      { name: 'syslog', host: '127.0.0.1', port: listener.port(), hostname: 'node-1', appName: 'stepguard', facility: 10, maxQueue: 1000, maxBatch: 3, connectTimeoutMs: 1000, ...FAST },
      { random: cryptoRandom, onDropped: (n) => metrics.auditSinkDropped({ sink: 'syslog' }, n) },
    );
    const { writer, streamer } = streamingWriter([sink]);
    try {
      await writeEvents(writer, 2);
      await eventually(() => listener.messages.length >= 6, 'first frames');
      await listener.down();
      await writeEvents(writer, 3, 2);
      await new Promise((r) => setTimeout(r, 60));
      await listener.up();
      await streamer.close();
      await eventually(() => listener.messages.filter((m) => m.msgId === 'checkpoint').length >= 3, 'the checkpoints');
      expect(listener.errors).toEqual([]);
      const first = listener.messages[0];
      expect(first).toMatchObject({ version: 1, hostname: 'node-1', appName: 'stepguard', procId: String(process.pid), msgId: 'otp_sent', pri: 10 * 8 + 6 });
      expect(first?.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(first?.structuredData).toMatch(/^\[stepguard@32473 id="[^"]+" kind="audit_event" chainId="[^"]+" seq="1"\]$/);
      const lines = listener.messages.map((m) => m.msg);
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const seqs of firstSeenSeqs(records).values()) expect(seqs).toEqual([1, 2, 3, 4, 5]);
      expect(listener.messages.filter((m) => m.msgId === 'checkpoint')).toHaveLength(3);
      const report = await verifyAuditStream(KEY, lines);
      expect(report.problems).toEqual([]);
      expect(report.events).toBe(15);
      expect(await droppedCount(metrics, 'syslog')).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('a blocked or failed event gets a higher severity than a success', async () => {
    const listener = await startSyslogListener();
    const sink = createSyslogAuditSink(
      { name: 'syslog', host: '127.0.0.1', port: listener.port(), appName: 'stepguard', facility: 4, maxQueue: 10, maxBatch: 10, connectTimeoutMs: 1000, ...FAST },
      { random: cryptoRandom, onDropped: () => undefined },
    );
    const { writer, streamer } = streamingWriter([sink]);
    try {
      await writer.record({ type: 'sms_blocked', outcome: 'blocked', userId: 'u' });
      await writer.record({ type: 'login_failed', outcome: 'failure', userId: 'u' });
      await streamer.close();
      await eventually(() => listener.messages.length >= 2, 'two frames');
      expect(listener.messages.slice(0, 2).map((m) => m.pri)).toEqual([4 * 8 + 4, 4 * 8 + 5]);
    } finally {
      await listener.close();
    }
  });
});
