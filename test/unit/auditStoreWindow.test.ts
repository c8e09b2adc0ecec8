import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditWriter } from '../../src/audit/createAuditWriter';
import { verifyAuditEvents } from '../../src/audit/verifyAuditEvents';
import { deriveAuditKey } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';
import { FileAuditStore } from '../../src/stores/file/FileAuditStore';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import type { AuditStore } from '../../src/stores/types';
import { fakeClock } from '../helpers/fakeClock';

const PEPPER = 'p'.repeat(40);
const key = deriveAuditKey(PEPPER);

function writerFor(store: AuditStore) {
  const clock = fakeClock();
  return { clock, writer: createAuditWriter({ store, key, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 400 }) };
}

async function collect(store: AuditStore) {
  const events = [];
  for await (const e of store.list({})) events.push(e);
  return events;
}

describe('MemoryAuditStore keeps a bounded window (11.4)', () => {
  it('holds at most maxEvents across chains while every chain keeps growing from its head', async () => {
    const store = new MemoryAuditStore({ maxEvents: 100 });
    const { clock, writer } = writerFor(store);
    for (let i = 0; i < 1000; i += 1) {
      await writer.record({ type: 'login_failed', outcome: 'failure', userId: i % 3 === 0 ? 'u1' : null });
      clock.advanceSeconds(1);
    }
    expect(store.size).toBe(100);
    expect(await store.head('u1')).toMatchObject({ seq: 334 });
    expect(await store.head('_system')).toMatchObject({ seq: 666 });
    const events = await collect(store);
    expect(events).toHaveLength(100);
    expect(events.filter((e) => e.chainId === 'u1').at(-1)?.seq).toBe(334);
  });

  it('verifies what it holds, given the window start; without it the missing heads show', async () => {
    const store = new MemoryAuditStore({ maxEvents: 50 });
    const { clock, writer } = writerFor(store);
    for (let i = 0; i < 300; i += 1) {
      await writer.record({ type: 'x', outcome: 'info', userId: i % 2 ? 'u1' : 'u2' });
      clock.advanceSeconds(1);
    }
    expect(await verifyAuditEvents(key, store.list({}), store.prunedBeforeMs())).toEqual({ chains: 2, events: 50, breaks: [] });
    const strict = await verifyAuditEvents(key, store.list({}));
    expect(strict.breaks.map((b) => b.problem)).toEqual(['head_missing', 'head_missing']);
  });

  it('still detects an event deleted inside the window', async () => {
    const store = new MemoryAuditStore({ maxEvents: 50 });
    const { clock, writer } = writerFor(store);
    for (let i = 0; i < 120; i += 1) {
      await writer.record({ type: 'x', outcome: 'info', userId: 'u1' });
      clock.advanceSeconds(1);
    }
    store.unsafeChain('u1').splice(20, 1);
    const report = await verifyAuditEvents(key, store.list({}), store.prunedBeforeMs());
    expect(report.breaks).toEqual([expect.objectContaining({ problem: 'sequence_gap' })]);
  });

  it('refuses an event at or below the head, also after the head left the window', async () => {
    const store = new MemoryAuditStore({ maxEvents: 2 });
    const { writer } = writerFor(store);
    const first = await writer.record({ type: 'x', outcome: 'info', userId: 'u1' });
    for (let i = 0; i < 5; i += 1) await writer.record({ type: 'x', outcome: 'info', userId: 'u2' });
    expect(store.unsafeChain('u1')).toEqual([]);
    expect(await store.insert({ ...first, id: 'other' })).toBe('conflict');
    expect(await store.head('u1')).toEqual({ seq: 1, mac: first.mac, tsMs: first.tsMs });
  });
});

describe('FileAuditStore holds the trail in the file, not in memory (11.4)', () => {
  it('lists every event from the file, including those another instance appended after it started', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl');
    const writerStore = new FileAuditStore(path);
    const reader = new FileAuditStore(path);
    const { clock, writer } = writerFor(writerStore);
    for (let i = 0; i < 500; i += 1) {
      await writer.record({ type: 'login_failed', outcome: 'failure', userId: i % 5 === 0 ? 'u1' : null });
      clock.advanceSeconds(1);
    }
    const events = await collect(reader);
    expect(events).toHaveLength(500);
    expect(await verifyAuditEvents(key, reader.list({}))).toEqual({ chains: 2, events: 500, breaks: [] });
    // A restarted writer continues every chain from the file's heads.
    const { writer: again } = writerFor(new FileAuditStore(path));
    expect((await again.record({ type: 'x', outcome: 'info', userId: 'u1' })).seq).toBe(101);
    expect((await verifyAuditEvents(key, reader.list({}))).breaks).toEqual([]);
  });
});
