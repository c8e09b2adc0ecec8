import assert from 'node:assert/strict';
import type { ThrottlePolicy } from '../FirstFactorThrottleStore';
import { assertMatches } from './assertMatches';
import { assertSameData } from './assertSameData';
import type { StoreContractCase } from './types';

/** The password-guessing throttle: free failures, then a doubling delay, counted before the check. */
const T0 = Date.UTC(2026, 0, 1);
const POLICY: ThrottlePolicy = { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 900_000, memoryMs: 3_600_000 };

export const firstFactorThrottleStoreContract: readonly StoreContractCase[] = [
  {
    port: 'firstFactor',
    name: 'lets the free failures through, then delays by the base delay, doubling up to the maximum',
    async run({ firstFactor: store }) {
      for (let i = 1; i <= 4; i += 1) assertSameData(await store.reserve('k', POLICY, T0), { ok: true, failures: i, blockedUntilMs: null }, `failure ${i}`);
      assertSameData(await store.reserve('k', POLICY, T0), { ok: true, failures: 5, blockedUntilMs: T0 + 30_000 });
      assertSameData(await store.reserve('k', POLICY, T0 + 29_999), { ok: false, retryAfterMs: 1 });
      let now = T0 + 30_000;
      const delays: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const r = await store.reserve('k', POLICY, now);
        if (!r.ok || r.blockedUntilMs === null) assert.fail(`expected a counted, delayed attempt: ${JSON.stringify(r)}`);
        delays.push(r.blockedUntilMs - now);
        now = r.blockedUntilMs;
      }
      assertSameData(delays, [60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    },
  },
  {
    port: 'firstFactor',
    name: 'keeps keys apart',
    async run({ firstFactor: store }) {
      for (let i = 0; i < 5; i += 1) await store.reserve('a', POLICY, T0);
      assert.equal((await store.reserve('a', POLICY, T0)).ok, false, "key 'a' is delayed");
      assertSameData(await store.reserve('b', POLICY, T0), { ok: true, failures: 1, blockedUntilMs: null });
    },
  },
  {
    port: 'firstFactor',
    name: 'release gives one attempt back and lifts the delay once under the free budget',
    async run({ firstFactor: store }) {
      for (let i = 0; i < 5; i += 1) await store.reserve('k', POLICY, T0);
      await store.release('k', POLICY, T0);
      assertSameData(await store.reserve('k', POLICY, T0 + 1), { ok: true, failures: 5, blockedUntilMs: T0 + 1 + 30_000 });
    },
  },
  {
    port: 'firstFactor',
    name: 'release past the free budget keeps the delay',
    async run({ firstFactor: store }) {
      for (let i = 0; i < 5; i += 1) await store.reserve('k', POLICY, T0);
      await store.reserve('k', POLICY, T0 + 30_000);
      await store.release('k', POLICY, T0 + 30_001);
      assertMatches(await store.reserve('k', POLICY, T0 + 30_002), { ok: false });
    },
  },
  {
    port: 'firstFactor',
    name: 'reset forgets the key',
    async run({ firstFactor: store }) {
      for (let i = 0; i < 5; i += 1) await store.reserve('k', POLICY, T0);
      await store.reset('k');
      assertSameData(await store.reserve('k', POLICY, T0), { ok: true, failures: 1, blockedUntilMs: null });
    },
  },
  {
    port: 'firstFactor',
    name: 'counts 30 concurrent attempts so that only the free budget gets through',
    async run({ firstFactor: store }) {
      const results = await Promise.all(Array.from({ length: 30 }, () => store.reserve('k', POLICY, T0)));
      assert.equal(results.filter((r) => r.ok).length, 5, 'concurrent attempts admitted');
    },
  },
];
