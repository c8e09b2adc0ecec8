import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { auditMac, type AuditEvent } from '../../core/audit/auditChain';
import type { BindPhoneInput } from '../types';
import { assertMatches } from './assertMatches';
import { assertSameData } from './assertSameData';
import type { StoreContractCase } from './types';

/**
 * The ports that must last (MongoDB in production): phone bindings with their reuse limit,
 * enrolled factors with their forward-only counters and single-use list entries, and the
 * append-only audit trail.
 */
const T0 = Date.UTC(2026, 0, 1);

const bindInput = (userId: string, e164: string, max = 1, nowMs = T0): BindPhoneInput => ({
  userId,
  e164,
  phoneHash: `h:${e164}`,
  country: 'US',
  nowMs,
  maxAccountsPerNumber: max,
});

/** A signed audit event (any key will do: the store only keeps the chain, it does not check it). */
function auditEvent(chainId: string, seq: number, prevMac = ''): AuditEvent {
  const unsigned = {
    id: randomUUID(), chainId, seq, tsMs: T0 + seq, type: 't', userId: chainId, actor: 'user', outcome: 'info' as const, reasons: [],
    requestId: null, ip: null, userAgent: null, deviceId: null, factor: null, action: null, phoneMasked: null, phoneHash: null, country: null, prevMac, prevTsMs: seq > 1 ? T0 + seq - 1 : null,
  };
  return { ...unsigned, mac: auditMac('k', unsigned) };
}

async function collect(events: AsyncIterable<AuditEvent>): Promise<AuditEvent[]> {
  const listed: AuditEvent[] = [];
  for await (const e of events) listed.push(e);
  return listed;
}

export const durableStoreContract: readonly StoreContractCase[] = [
  {
    port: 'phones',
    name: 'binds a number, and rebinding the same number changes nothing',
    async run({ phones }) {
      const first = await phones.bind(bindInput('u1', '+14155550123'));
      assertMatches(first, { ok: true, previous: null, binding: { e164: '+14155550123', changedAtMs: null } });
      const again = await phones.bind(bindInput('u1', '+14155550123', 1, T0 + 1000));
      assertMatches(again, { ok: true, binding: { boundAtMs: T0 } });
      assertMatches(await phones.getActive('u1'), { e164: '+14155550123', boundAtMs: T0 });
    },
  },
  {
    port: 'phones',
    name: "keeps the number's line type and the plan that read it with the binding, and a binding bound without one has none",
    async run({ phones }) {
      const mobile = await phones.bind({ ...bindInput('u1', '+14155550123'), lineType: 'MOBILE', numberingPlan: 'libphonenumber-js@1.2.3' });
      assertMatches(mobile, { ok: true, binding: { lineType: 'MOBILE', numberingPlan: 'libphonenumber-js@1.2.3' } });
      assertMatches(await phones.getActive('u1'), { e164: '+14155550123', country: 'US', lineType: 'MOBILE', numberingPlan: 'libphonenumber-js@1.2.3' });
      await phones.bind({ ...bindInput('u2', '+14155550199'), lineType: null });
      assert.equal((await phones.getActive('u2'))?.lineType, null, 'an unknown line type is null');
      // As bound before the line type was kept: absent, so the flows read it from the number.
      await phones.bind(bindInput('u3', '+14155550100'));
      assert.equal((await phones.getActive('u3'))?.lineType, undefined);
      assert.equal((await phones.getActive('u3'))?.numberingPlan, undefined);
    },
  },
  {
    port: 'phones',
    name: 'changes a number, keeping one active and starting the cool-off',
    async run({ phones }) {
      await phones.bind(bindInput('u1', '+14155550123'));
      const changed = await phones.bind(bindInput('u1', '+14155550199', 1, T0 + 5000));
      assertMatches(changed, { ok: true, previous: { e164: '+14155550123' }, binding: { e164: '+14155550199', changedAtMs: T0 + 5000 } });
      assert.equal((await phones.getActive('u1'))?.e164, '+14155550199');
      // The old number is free again.
      assert.equal((await phones.bind(bindInput('u2', '+14155550123'))).ok, true, 'the old number is free again');
    },
  },
  {
    port: 'phones',
    name: 'holds the reuse limit under 10 concurrent binds of one number',
    async run({ phones }) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => phones.bind(bindInput(`user-${i}`, '+16505550100'))));
      assert.equal(results.filter((r) => r.ok).length, 1, 'concurrent binds that succeeded');
      assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'number_unavailable'), 'every refusal says number_unavailable');
    },
  },
  {
    port: 'phones',
    name: 'allows maxAccountsPerNumber accounts when it is more than one',
    async run({ phones }) {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => phones.bind(bindInput(`user-${i}`, '+16505550101', 3))));
      assert.equal(results.filter((r) => r.ok).length, 3, 'concurrent binds that succeeded');
    },
  },
  {
    port: 'phones',
    name: 'keeps the old number when the new one is taken',
    async run({ phones }) {
      await phones.bind(bindInput('u1', '+14155550123'));
      await phones.bind(bindInput('u2', '+14155550199'));
      assertSameData(await phones.bind(bindInput('u1', '+14155550199')), { ok: false, reason: 'number_unavailable' });
      assert.equal((await phones.getActive('u1'))?.e164, '+14155550123');
    },
  },
  {
    port: 'phones',
    name: 'removes a number',
    async run({ phones }) {
      await phones.bind(bindInput('u1', '+14155550123'));
      assert.equal((await phones.remove('u1', T0))?.e164, '+14155550123');
      assert.equal(await phones.getActive('u1'), null);
      assert.equal(await phones.remove('u1', T0), null, 'removing twice returns null');
    },
  },
  {
    port: 'factors',
    name: 'adds, lists, removes factors',
    async run({ factors }) {
      const base = { userId: 'u1', label: '', createdAtMs: T0, lastUsedAtMs: null, data: { secret: 'enc' } };
      await factors.add({ ...base, id: 'f1', type: 'totp' });
      await factors.add({ ...base, id: 'f2', type: 'webauthn', createdAtMs: T0 + 1 });
      await factors.add({ ...base, id: 'f3', type: 'webauthn', userId: 'u2' });
      assertSameData((await factors.list('u1')).map((f) => f.id), ['f1', 'f2']);
      assertMatches((await factors.list('u1', 'totp'))[0], { id: 'f1', data: { secret: 'enc' } });
      assert.equal(await factors.remove('u2', 'f1'), false, "another user's factor");
      assert.equal(await factors.remove('u1', 'f1'), true);
      assert.equal(await factors.removeAll('u1', 'webauthn'), 1);
      assertSameData(await factors.list('u1'), []);
    },
  },
  {
    port: 'factors',
    name: 'moves a counter only forward, atomically (TOTP steps, WebAuthn counters)',
    async run({ factors }) {
      await factors.add({ id: 'w1', userId: 'u1', type: 'webauthn', label: 'key', createdAtMs: T0, lastUsedAtMs: null, data: { counter: 5 } });
      assert.equal(await factors.advance('u1', 'w1', 'counter', 5), false, 'the same value');
      assert.equal(await factors.advance('u1', 'w1', 'counter', 4), false, 'a lower value');
      assert.equal(await factors.advance('u2', 'w1', 'counter', 9), false, 'another user');
      const results = await Promise.all(Array.from({ length: 20 }, () => factors.advance('u1', 'w1', 'counter', 6)));
      assert.equal(results.filter(Boolean).length, 1, 'concurrent advances that returned true');
      assert.equal(await factors.advance('u1', 'w1', 'lastTimeStep', 100), true, 'a field not there yet');
      assertMatches((await factors.list('u1'))[0]?.data, { counter: 6, lastTimeStep: 100 });
    },
  },
  {
    port: 'factors',
    name: 'writes other fields with an advance, only for the call that won it (TOTP clock offset)',
    async run({ factors }) {
      const pending = { step: 90, offsetSteps: 4, atMs: T0 };
      await factors.add({ id: 't1', userId: 'u1', type: 'totp', label: 'app', createdAtMs: T0, lastUsedAtMs: null, data: { secret: 'enc', lastTimeStep: 80, offsetSteps: 0, pendingResync: pending } });
      assert.equal(await factors.advance('u1', 't1', 'lastTimeStep', 80, { offsetSteps: 9 }), false, 'the same step');
      assertMatches((await factors.list('u1'))[0]?.data, { lastTimeStep: 80, offsetSteps: 0, pendingResync: pending });
      const offsets = Array.from({ length: 20 }, (_, i) => i - 10);
      const results = await Promise.all(offsets.map((offsetSteps) => factors.advance('u1', 't1', 'lastTimeStep', 91, { offsetSteps, pendingResync: null })));
      assert.equal(results.filter(Boolean).length, 1, 'concurrent advances that returned true');
      const winner = offsets[results.indexOf(true)];
      assertMatches((await factors.list('u1'))[0]?.data, { secret: 'enc', lastTimeStep: 91, offsetSteps: winner, pendingResync: null });
    },
  },
  {
    port: 'factors',
    name: 'pulls a list entry for exactly one of 20 concurrent callers (backup codes)',
    async run({ factors }) {
      await factors.add({ id: 'b1', userId: 'u1', type: 'backup_codes', label: '', createdAtMs: T0, lastUsedAtMs: null, data: { hashes: ['a', 'b'] } });
      const results = await Promise.all(Array.from({ length: 20 }, () => factors.pull('u1', 'b1', 'hashes', 'a')));
      assert.equal(results.filter(Boolean).length, 1, 'concurrent pulls that returned true');
      assertSameData((await factors.list('u1'))[0]?.data.hashes, ['b']);
      assert.equal(await factors.update('u1', 'b1', { label: 'codes', lastUsedAtMs: T0 + 5 }), true);
      assert.equal(await factors.update('u1', 'zz', { label: 'x' }), false, 'a factor that is not there');
    },
  },
  {
    port: 'audit',
    name: 'appends audit events, refuses a second event at the same seq, and lists in chain order',
    async run({ audit }) {
      const e1 = auditEvent('a', 1);
      assert.equal(await audit.insert(e1, T0 + 1e9), 'ok');
      assert.equal(await audit.insert({ ...auditEvent('a', 1), id: randomUUID() }, T0 + 1e9), 'conflict', 'a second event at seq 1');
      assert.equal(await audit.insert(auditEvent('a', 2, e1.mac), T0 + 1e9), 'ok');
      assert.equal(await audit.insert(auditEvent('b', 1), T0 + 1e9), 'ok');
      const head = await audit.head('a');
      assert.equal(typeof head?.mac, 'string', 'the head carries the mac');
      assertSameData(head, { seq: 2, mac: head?.mac, tsMs: T0 + 2 });
      const listed = await collect(audit.list({}));
      assertSameData(listed.map((e) => `${e.chainId}${e.seq}`), ['a1', 'a2', 'b1']);
      assertSameData(listed[0], e1);
      assert.equal((await collect(audit.list({ userId: 'b' }))).length, 1, "events of user 'b'");
    },
  },
  {
    port: 'audit',
    name: 'offers no way to change or delete an audit event',
    run({ audit }) {
      // Methods on the prototype chain (a class) and function fields (an object literal).
      const methods = new Set<string>(Object.keys(audit).filter((key) => typeof (audit as unknown as Record<string, unknown>)[key] === 'function'));
      let proto = Object.getPrototypeOf(audit);
      while (proto && proto !== Object.prototype) {
        for (const name of Object.getOwnPropertyNames(proto)) methods.add(name);
        proto = Object.getPrototypeOf(proto);
      }
      assertSameData([...methods].filter((m) => /update|delete|remove|replace|set|clear/i.test(m)), []);
    },
  },
];
