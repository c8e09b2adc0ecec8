import { createAuditWriter } from '../../src/audit/createAuditWriter';
import { verifyAuditEvents } from '../../src/audit/verifyAuditEvents';
import { deriveAuditKey, verifyAuditChain, type AuditEvent } from '../../src/core/audit/auditChain';
import { cryptoRandom } from '../../src/core/random';
import { MemoryAuditStore } from '../../src/stores/memory/MemoryAuditStore';
import { fakeClock } from '../helpers/fakeClock';

const PEPPER = 'p'.repeat(40);
const key = deriveAuditKey(PEPPER);

async function chainOf(n: number) {
  const store = new MemoryAuditStore();
  const clock = fakeClock();
  const writer = createAuditWriter({ store, key, pepper: PEPPER, clock, random: cryptoRandom, retentionDays: 400 });
  for (let i = 0; i < n; i += 1) {
    await writer.record({ type: 'otp_sent', outcome: 'success', userId: 'u1', phone: '+14155550123', factor: 'sms' });
    clock.advanceSeconds(1);
  }
  return { store, writer, events: store.unsafeChain('u1') };
}

const clone = (events: AuditEvent[]) => events.map((e) => ({ ...e, reasons: [...e.reasons] }));

describe('audit hash chain', () => {
  it('links each event to the previous one and verifies', async () => {
    const { events } = await chainOf(5);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[0]?.prevMac).toBe('');
    expect(events[3]?.prevMac).toBe(events[2]?.mac);
    expect(verifyAuditChain(key, events)).toEqual({ ok: true, events: 5 });
  });

  it('keeps only the mask and a keyed hash of the phone number', async () => {
    const { events } = await chainOf(1);
    const text = JSON.stringify(events);
    expect(text).not.toContain('4155550123');
    expect(events[0]).toMatchObject({ phoneMasked: '+1 ••••••••23', phoneHash: expect.any(String) });
  });

  it('detects an edited event and names it', async () => {
    const { events } = await chainOf(5);
    const tampered = clone(events);
    tampered[2] = { ...tampered[2]!, outcome: 'failure' };
    expect(verifyAuditChain(key, tampered)).toMatchObject({ ok: false, firstBreak: { eventId: events[2]?.id, seq: 3, problem: 'mac_mismatch' } });
  });

  it('detects a deleted event', async () => {
    const { events } = await chainOf(5);
    const tampered = clone(events).filter((e) => e.seq !== 3);
    expect(verifyAuditChain(key, tampered)).toMatchObject({ ok: false, firstBreak: { seq: 4, problem: 'sequence_gap' } });
  });

  it('detects a deleted first event unless retention explains it', async () => {
    const { events } = await chainOf(3);
    const rest = clone(events).slice(1);
    const firstTs = events[0]!.tsMs;
    expect(verifyAuditChain(key, rest)).toMatchObject({ ok: false, firstBreak: { problem: 'head_missing' } });
    // Deleted although it was too young to have expired:
    expect(verifyAuditChain(key, rest, { prunedBeforeMs: firstTs })).toMatchObject({ ok: false, firstBreak: { problem: 'head_missing' } });
    // Old enough for retention to have removed it:
    expect(verifyAuditChain(key, rest, { prunedBeforeMs: firstTs + 1 }).ok).toBe(true);
  });

  it('detects reordered events, also when their seq numbers are swapped to hide it', async () => {
    const { events } = await chainOf(4);
    const swapped = clone(events);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(verifyAuditChain(key, swapped).ok).toBe(false);
    const relabelled = clone(events);
    const [b, c] = [relabelled[1]!, relabelled[2]!];
    relabelled[1] = { ...c, seq: 2 };
    relabelled[2] = { ...b, seq: 3 };
    expect(verifyAuditChain(key, relabelled)).toMatchObject({ ok: false, firstBreak: { problem: 'mac_mismatch' } });
    const report = await verifyAuditEvents(key, relabelled);
    expect(report.breaks).toHaveLength(1);
  });

  it('refuses a chain verified with another key', async () => {
    const { events } = await chainOf(2);
    expect(verifyAuditChain(deriveAuditKey('q'.repeat(40)), events).ok).toBe(false);
  });

  it('never forks under 50 concurrent writers for one user', async () => {
    const { store, writer } = await chainOf(0);
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.record({ type: 'x', outcome: 'info', userId: 'u1', reasons: [String(i)] })));
    const events = store.unsafeChain('u1');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(verifyAuditChain(key, events).ok).toBe(true);
  });

  it('never forks when two nodes (two writers, one store) append at once', async () => {
    const store = new MemoryAuditStore();
    const make = () => createAuditWriter({ store, key, pepper: PEPPER, clock: fakeClock(), random: cryptoRandom, retentionDays: 400 });
    const [a, b] = [make(), make()];
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).record({ type: 'x', outcome: 'info', userId: 'u1' })));
    const events = store.unsafeChain('u1');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(verifyAuditChain(key, events).ok).toBe(true);
  });

  it('sets retention from retentionDays', async () => {
    const inserted: number[] = [];
    const store = new MemoryAuditStore();
    const spy = { head: store.head.bind(store), list: store.list.bind(store), insert: async (e: AuditEvent, expireAtMs: number) => { inserted.push(expireAtMs - e.tsMs); return store.insert(e); } };
    const writer = createAuditWriter({ store: spy, key, pepper: PEPPER, clock: fakeClock(), random: cryptoRandom, retentionDays: 400 });
    await writer.record({ type: 'x', outcome: 'info' });
    expect(inserted).toEqual([400 * 86_400_000]);
  });
});
