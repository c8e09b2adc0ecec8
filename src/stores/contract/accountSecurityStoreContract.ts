import assert from 'node:assert/strict';
import { assertSameData } from './assertSameData';
import type { StoreContractCase } from './types';

/**
 * The account cool-off after a factor change and the session revocations that in-flight
 * requests cannot undo.
 */
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

export const accountSecurityStoreContract: readonly StoreContractCase[] = [
  {
    port: 'coolOffs',
    name: 'has no cool-off until one starts, and none after it ends',
    async run({ coolOffs }) {
      assert.equal(await coolOffs.get('u1', T0), null, 'before any start');
      const started = await coolOffs.start('u1', { nowMs: T0, untilMs: T0 + 7 * DAY, addedRef: 'totp-1' });
      assertSameData(started, { startedAtMs: T0, untilMs: T0 + 7 * DAY, addedRefs: ['totp-1'] });
      assertSameData(await coolOffs.get('u1', T0 + DAY), started);
      assert.equal(await coolOffs.get('u1', T0 + 7 * DAY), null, 'ended at untilMs');
      assert.equal(await coolOffs.get('u2', T0 + DAY), null, 'another user');
    },
  },
  {
    port: 'coolOffs',
    name: 'extends a running cool-off, keeping its start and everything added during it (remove-then-add)',
    async run({ coolOffs }) {
      await coolOffs.start('u1', { nowMs: T0, untilMs: T0 + 7 * DAY, addedRef: 'phone-new' });
      await coolOffs.start('u1', { nowMs: T0 + DAY, untilMs: T0 + 8 * DAY });
      const extended = await coolOffs.start('u1', { nowMs: T0 + 2 * DAY, untilMs: T0 + 9 * DAY, addedRef: 'phone-again' });
      assertSameData(extended, { startedAtMs: T0, untilMs: T0 + 9 * DAY, addedRefs: ['phone-again', 'phone-new'] });
      // A shorter request never shortens it.
      assert.equal((await coolOffs.start('u1', { nowMs: T0 + 3 * DAY, untilMs: T0 + 4 * DAY })).untilMs, T0 + 9 * DAY, 'a shorter request never shortens it');
    },
  },
  {
    port: 'coolOffs',
    name: 'starts afresh once the last one ended: what was added before no longer cools',
    async run({ coolOffs }) {
      await coolOffs.start('u1', { nowMs: T0, untilMs: T0 + DAY, addedRef: 'old' });
      const next = await coolOffs.start('u1', { nowMs: T0 + 2 * DAY, untilMs: T0 + 3 * DAY, addedRef: 'new' });
      assertSameData(next, { startedAtMs: T0 + 2 * DAY, untilMs: T0 + 3 * DAY, addedRefs: ['new'] });
    },
  },
  {
    port: 'coolOffs',
    name: 'keeps every ref of concurrent starts',
    async run({ coolOffs }) {
      const refs = Array.from({ length: 20 }, (_, i) => `ref-${String(i).padStart(2, '0')}`);
      await Promise.all(refs.map((ref) => coolOffs.start('u1', { nowMs: T0, untilMs: T0 + DAY, addedRef: ref })));
      assertSameData((await coolOffs.get('u1', T0))?.addedRefs, refs);
    },
  },
  {
    port: 'sessions',
    name: 'a session is live until revoked, and stays revoked until the revocation expires',
    async run({ sessions }) {
      assertSameData(await sessions.status('u1', 'b1', T0), { revoked: false, generation: 0, epoch: 0 });
      await sessions.revoke('u1', 'b1', T0 + DAY, T0);
      assertSameData(await sessions.status('u1', 'b1', T0 + 1000), { revoked: true, generation: 0, epoch: 0 });
      assertSameData(await sessions.status('u1', 'b2', T0 + 1000), { revoked: false, generation: 0, epoch: 0 }, 'another session');
      assertSameData(await sessions.status('u2', 'b1', T0 + 1000), { revoked: false, generation: 0, epoch: 0 }, 'another user');
    },
  },
  {
    port: 'sessions',
    name: 'revoking everything raises the generation, once per call, even under concurrency',
    async run({ sessions }) {
      assert.equal(await sessions.revokeAll('u1', T0 + DAY, T0), 1);
      const next = await Promise.all(Array.from({ length: 10 }, () => sessions.revokeAll('u1', T0 + DAY, T0)));
      assertSameData([...next].sort((x, y) => (x ?? 0) - (y ?? 0)), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      assert.equal((await sessions.status('u1', 'any', T0)).generation, 11);
      assert.equal((await sessions.status('u2', 'any', T0)).generation, 0, 'another user');
    },
  },
  {
    port: 'sessions',
    name: 'a caller that is no longer live cannot revoke everyone else (atomically, under concurrency)',
    async run({ sessions }) {
      assert.equal(await sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: 'owner', generation: 0 }), 1);
      // A session of generation 0 was signed out by that: its requests in flight change nothing.
      assert.equal(await sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: 'thief', generation: 0 }), null, 'a caller of an old generation');
      await sessions.revoke('u1', 'gone', T0 + DAY, T0);
      assert.equal(await sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: 'gone', generation: 1 }), null, 'a revoked caller');
      // Of many concurrent callers at the same generation, exactly one wins.
      const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => sessions.revokeAll('u1', T0 + DAY, T0, { bindingId: `s${i}`, generation: 1 })));
      assertSameData(raced.filter((g) => g !== null), [2]);
      assert.equal((await sessions.status('u1', 'x', T0)).generation, 2);
    },
  },
  {
    port: 'sessions',
    name: 'supersede (optional) raises the binding\'s epoch floor above the session\'s epoch, and never lowers it',
    async run({ sessions }) {
      if (!sessions.supersede) return;
      assert.equal(await sessions.supersede('u1', 'b1', 0, T0 + DAY, T0), 1, 'a first step-up: the floor above epoch 0');
      assertSameData(await sessions.status('u1', 'b1', T0 + 1000), { revoked: false, generation: 0, epoch: 1 });
      assert.equal(await sessions.supersede('u1', 'b1', 4, T0 + DAY, T0 + 1000), 5, 'a later session\'s step-up');
      // A step-up from an older copy (two tabs, one slower) never lowers the floor: it takes it.
      assert.equal(await sessions.supersede('u1', 'b1', 1, T0 + DAY, T0 + 2000), 5);
      assert.equal((await sessions.status('u1', 'b1', T0 + 2000)).epoch, 5);
      assert.equal((await sessions.status('u1', 'b2', T0 + 2000)).epoch, 0, 'another binding');
      assert.equal((await sessions.status('u2', 'b1', T0 + 2000)).epoch, 0, 'another user');
      assert.equal((await sessions.status('u1', 'b1', T0 + 2000)).revoked, false, 'superseding is not revoking');
    },
  },
  {
    port: 'sessions',
    name: 'supersede (optional) is atomic: two tabs stepping up from the same epoch at once end at the same floor',
    async run({ sessions }) {
      if (!sessions.supersede) return;
      await sessions.supersede('u1', 'b1', 2, T0 + DAY, T0);
      const raced = await Promise.all(Array.from({ length: 10 }, () => sessions.supersede!('u1', 'b1', 3, T0 + DAY, T0)));
      assertSameData(raced, Array.from({ length: 10 }, () => 4));
      assert.equal((await sessions.status('u1', 'b1', T0)).epoch, 4);
    },
  },
];
