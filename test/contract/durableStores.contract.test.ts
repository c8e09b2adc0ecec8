import { randomUUID } from 'node:crypto';
import { createConnection, type Connection } from 'mongoose';
import { auditMac, type AuditEvent } from '../../src/core/audit/auditChain';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryDurableStores } from '../../src/stores/memory/createMemoryStores';
import { FileAuditStore } from '../../src/stores/file/FileAuditStore';
import { createMongoStores, ensureMongoIndexes } from '../../src/stores/mongo/createMongoStores';
import type { AuditStore, FactorStore, PhoneBindingStore } from '../../src/stores/types';

type Durable = { phones: PhoneBindingStore; factors: FactorStore; audit: AuditStore };
const T0 = Date.UTC(2026, 0, 1);

const bindInput = (userId: string, e164: string, max = 1, nowMs = T0) => ({
  userId,
  e164,
  phoneHash: `h:${e164}`,
  country: 'US',
  nowMs,
  maxAccountsPerNumber: max,
});

function auditEvent(chainId: string, seq: number, prevMac = ''): AuditEvent {
  const unsigned = {
    id: randomUUID(), chainId, seq, tsMs: T0 + seq, type: 't', userId: chainId, actor: 'user', outcome: 'info' as const, reasons: [],
    requestId: null, ip: null, userAgent: null, deviceId: null, factor: null, action: null, phoneMasked: null, phoneHash: null, country: null, prevMac, prevTsMs: seq > 1 ? T0 + seq - 1 : null,
  };
  return { ...unsigned, mac: auditMac('k', unsigned) };
}

function contract(name: string, make: () => Promise<Durable & { close?: () => Promise<void> }>) {
  describe(`durable store contract: ${name}`, () => {
    let s: Durable & { close?: () => Promise<void> };
    beforeEach(async () => {
      s = await make();
    });
    afterEach(async () => {
      await s.close?.();
    });

    it('binds a number, and rebinding the same number changes nothing', async () => {
      const first = await s.phones.bind(bindInput('u1', '+14155550123'));
      expect(first).toMatchObject({ ok: true, previous: null, binding: { e164: '+14155550123', changedAtMs: null } });
      const again = await s.phones.bind(bindInput('u1', '+14155550123', 1, T0 + 1000));
      expect(again).toMatchObject({ ok: true, binding: { boundAtMs: T0 } });
      expect(await s.phones.getActive('u1')).toMatchObject({ e164: '+14155550123', boundAtMs: T0 });
    });

    it('changes a number, keeping one active and starting the cool-off', async () => {
      await s.phones.bind(bindInput('u1', '+14155550123'));
      const changed = await s.phones.bind(bindInput('u1', '+14155550199', 1, T0 + 5000));
      expect(changed).toMatchObject({ ok: true, previous: { e164: '+14155550123' }, binding: { e164: '+14155550199', changedAtMs: T0 + 5000 } });
      expect((await s.phones.getActive('u1'))?.e164).toBe('+14155550199');
      // The old number is free again.
      expect((await s.phones.bind(bindInput('u2', '+14155550123'))).ok).toBe(true);
    });

    it('holds the reuse limit under 10 concurrent binds of one number', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.phones.bind(bindInput(`user-${i}`, '+16505550100'))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'number_unavailable')).toBe(true);
    });

    it('allows maxAccountsPerNumber accounts when it is more than one', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.phones.bind(bindInput(`user-${i}`, '+16505550101', 3))));
      expect(results.filter((r) => r.ok)).toHaveLength(3);
    });

    it('keeps the old number when the new one is taken', async () => {
      await s.phones.bind(bindInput('u1', '+14155550123'));
      await s.phones.bind(bindInput('u2', '+14155550199'));
      expect(await s.phones.bind(bindInput('u1', '+14155550199'))).toEqual({ ok: false, reason: 'number_unavailable' });
      expect((await s.phones.getActive('u1'))?.e164).toBe('+14155550123');
    });

    it('removes a number', async () => {
      await s.phones.bind(bindInput('u1', '+14155550123'));
      expect((await s.phones.remove('u1', T0))?.e164).toBe('+14155550123');
      expect(await s.phones.getActive('u1')).toBeNull();
      expect(await s.phones.remove('u1', T0)).toBeNull();
    });

    it('adds, lists, removes factors', async () => {
      const base = { userId: 'u1', label: '', createdAtMs: T0, lastUsedAtMs: null, data: { secret: 'enc' } };
      await s.factors.add({ ...base, id: 'f1', type: 'totp' });
      await s.factors.add({ ...base, id: 'f2', type: 'webauthn', createdAtMs: T0 + 1 });
      await s.factors.add({ ...base, id: 'f3', type: 'webauthn', userId: 'u2' });
      expect((await s.factors.list('u1')).map((f) => f.id)).toEqual(['f1', 'f2']);
      expect((await s.factors.list('u1', 'totp'))[0]).toMatchObject({ id: 'f1', data: { secret: 'enc' } });
      expect(await s.factors.remove('u2', 'f1')).toBe(false);
      expect(await s.factors.remove('u1', 'f1')).toBe(true);
      expect(await s.factors.removeAll('u1', 'webauthn')).toBe(1);
      expect(await s.factors.list('u1')).toEqual([]);
    });

    it('moves a counter only forward, atomically (TOTP steps, WebAuthn counters)', async () => {
      await s.factors.add({ id: 'w1', userId: 'u1', type: 'webauthn', label: 'key', createdAtMs: T0, lastUsedAtMs: null, data: { counter: 5 } });
      expect(await s.factors.advance('u1', 'w1', 'counter', 5)).toBe(false);
      expect(await s.factors.advance('u1', 'w1', 'counter', 4)).toBe(false);
      expect(await s.factors.advance('u2', 'w1', 'counter', 9)).toBe(false);
      const results = await Promise.all(Array.from({ length: 20 }, () => s.factors.advance('u1', 'w1', 'counter', 6)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await s.factors.advance('u1', 'w1', 'lastTimeStep', 100)).toBe(true);
      expect((await s.factors.list('u1'))[0]?.data).toMatchObject({ counter: 6, lastTimeStep: 100 });
    });

    it('pulls a list entry for exactly one of 20 concurrent callers (backup codes)', async () => {
      await s.factors.add({ id: 'b1', userId: 'u1', type: 'backup_codes', label: '', createdAtMs: T0, lastUsedAtMs: null, data: { hashes: ['a', 'b'] } });
      const results = await Promise.all(Array.from({ length: 20 }, () => s.factors.pull('u1', 'b1', 'hashes', 'a')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await s.factors.list('u1'))[0]?.data.hashes).toEqual(['b']);
      expect(await s.factors.update('u1', 'b1', { label: 'codes', lastUsedAtMs: T0 + 5 })).toBe(true);
      expect(await s.factors.update('u1', 'zz', { label: 'x' })).toBe(false);
    });

    it('appends audit events, refuses a second event at the same seq, and lists in chain order', async () => {
      const e1 = auditEvent('a', 1);
      expect(await s.audit.insert(e1, T0 + 1e9)).toBe('ok');
      expect(await s.audit.insert({ ...auditEvent('a', 1), id: randomUUID() }, T0 + 1e9)).toBe('conflict');
      expect(await s.audit.insert(auditEvent('a', 2, e1.mac), T0 + 1e9)).toBe('ok');
      expect(await s.audit.insert(auditEvent('b', 1), T0 + 1e9)).toBe('ok');
      expect(await s.audit.head('a')).toEqual({ seq: 2, mac: expect.any(String), tsMs: T0 + 2 });
      const listed: AuditEvent[] = [];
      for await (const e of s.audit.list({})) listed.push(e);
      expect(listed.map((e) => `${e.chainId}${e.seq}`)).toEqual(['a1', 'a2', 'b1']);
      expect(listed[0]).toEqual(e1);
      const forB: AuditEvent[] = [];
      for await (const e of s.audit.list({ userId: 'b' })) forB.push(e);
      expect(forB).toHaveLength(1);
    });

    it('offers no way to change or delete an audit event', () => {
      const methods = new Set<string>();
      let proto = Object.getPrototypeOf(s.audit);
      while (proto && proto !== Object.prototype) {
        for (const name of Object.getOwnPropertyNames(proto)) methods.add(name);
        proto = Object.getPrototypeOf(proto);
      }
      expect([...methods].filter((m) => /update|delete|remove|replace|set|clear/i.test(m))).toEqual([]);
    });
  });
}

contract('memory', async () => createMemoryDurableStores());
contract('memory + audit file', async () => ({
  ...createMemoryDurableStores(),
  audit: new FileAuditStore(join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl')),
}));

describe('FileAuditStore', () => {
  it('picks up its chains again after a restart', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl');
    const first = new FileAuditStore(path);
    const e1 = auditEvent('a', 1);
    await first.insert(e1);
    const second = new FileAuditStore(path);
    expect(await second.head('a')).toEqual({ seq: 1, mac: e1.mac, tsMs: e1.tsMs });
    expect(await second.insert({ ...auditEvent('a', 1), id: randomUUID() })).toBe('conflict');
  });
});

const MONGODB_URI = process.env.MONGODB_URI;
if (MONGODB_URI) {
  contract('mongo', async () => {
    const connection: Connection = await createConnection(MONGODB_URI, { dbName: `stepguard_test_${randomUUID().slice(0, 8)}` }).asPromise();
    await ensureMongoIndexes(connection);
    return {
      ...createMongoStores(connection),
      close: async () => {
        await connection.dropDatabase();
        await connection.close();
      },
    };
  });
} else {
  console.warn('SKIPPED (MONGODB_URI not set): durable store contract: mongo. Run `docker compose run --rm test` for the MongoDB suite.');
  describe.skip('durable store contract: mongo', () => it('needs MONGODB_URI', () => undefined));
}
