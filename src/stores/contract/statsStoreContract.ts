import assert from 'node:assert/strict';
import { statSeriesKey } from '../../core/stats/statSeriesKey';
import type { StatBucket } from '../StatsStore';
import type { StoreContractCase } from './types';

/** The stats port: minute and hour buckets of summed counts, read back by range. */
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const SENT_DE = statSeriesKey('sms_sent', { country: 'DE', channel: 'sms', provider: 'p1' });
const SENT_FR = statSeriesKey('sms_sent', { country: 'FR', channel: 'sms', provider: 'p1' });

const plain = (buckets: StatBucket[]) => buckets.map((b) => ({ startMs: b.startMs, counts: Object.fromEntries([...b.counts].sort(([a], [b2]) => a.localeCompare(b2))) }));

export const statsStoreContract: readonly StoreContractCase[] = [
  {
    port: 'stats',
    name: 'sums increments into the minute and the hour bucket that hold the time',
    async run({ stats }) {
      await stats.add(T0 + 5_000, [{ name: 'sms_sent', labels: { country: 'DE', channel: 'sms', provider: 'p1' } }, { name: 'sms_sent', labels: { provider: 'p1', country: 'DE', channel: 'sms' }, by: 2 }]);
      await stats.add(T0 + 59_999, [{ name: 'sms_sent', labels: { country: 'FR', channel: 'sms', provider: 'p1' } }]);
      await stats.add(T0 + MINUTE, [{ name: 'sms_sent', labels: { country: 'DE', channel: 'sms', provider: 'p1' }, by: 4 }]);
      assert.deepEqual(plain(await stats.read(T0, T0 + 2 * MINUTE, 'minute')), [
        { startMs: T0, counts: { [SENT_DE]: 3, [SENT_FR]: 1 } },
        { startMs: T0 + MINUTE, counts: { [SENT_DE]: 4 } },
      ]);
      assert.deepEqual(plain(await stats.read(T0, T0 + HOUR - 1, 'hour')), [{ startMs: T0, counts: { [SENT_DE]: 7, [SENT_FR]: 1 } }]);
    },
  },
  {
    port: 'stats',
    name: 'reads only the buckets whose start lies in the range, oldest first, leaving out empty ones',
    async run({ stats }) {
      for (const m of [0, 2, 5]) await stats.add(T0 + m * MINUTE, [{ name: 'lockout', labels: { factor: 'sms' }, by: m + 1 }]);
      const starts = (await stats.read(T0 + 30_000, T0 + 5 * MINUTE - 1, 'minute')).map((b) => (b.startMs - T0) / MINUTE);
      // floor(from) is the bucket of T0; T0 + 5 min starts after `to`.
      assert.deepEqual(starts, [0, 2]);
      assert.deepEqual(await stats.read(T0 + HOUR, T0, 'minute'), [], 'from after to reads nothing');
      assert.deepEqual(await stats.read(T0 - 2 * HOUR, T0 - HOUR, 'hour'), [], 'a range before any write reads nothing');
    },
  },
  {
    port: 'stats',
    name: 'keeps hours apart and sums a whole hour into its hour bucket',
    async run({ stats }) {
      await stats.add(T0 + 10 * MINUTE, [{ name: 'spend_micros', labels: { country: 'DE' }, by: 50_000 }]);
      await stats.add(T0 + 50 * MINUTE, [{ name: 'spend_micros', labels: { country: 'DE' }, by: 25_000 }]);
      await stats.add(T0 + HOUR, [{ name: 'spend_micros', labels: { country: 'DE' }, by: 1 }]);
      const key = statSeriesKey('spend_micros', { country: 'DE' });
      assert.deepEqual(plain(await stats.read(T0, T0 + HOUR, 'hour')), [
        { startMs: T0, counts: { [key]: 75_000 } },
        { startMs: T0 + HOUR, counts: { [key]: 1 } },
      ]);
    },
  },
  {
    port: 'stats',
    name: 'adds nothing for an empty batch or zero increments',
    async run({ stats }) {
      await stats.add(T0, []);
      await stats.add(T0, [{ name: 'lockout', labels: { factor: 'otp' }, by: 0 }]);
      assert.deepEqual(await stats.read(T0, T0 + HOUR, 'minute'), []);
    },
  },
  {
    port: 'stats',
    name: 'refuses a label the stat does not declare and a count that is not a non-negative integer',
    async run({ stats }) {
      await assert.rejects(stats.add(T0, [{ name: 'lockout', labels: { userId: 'alice' } }]), TypeError);
      await assert.rejects(stats.add(T0, [{ name: 'lockout', labels: { factor: 'sms' }, by: 1.5 }]), TypeError);
      await assert.rejects(stats.add(T0, [{ name: 'lockout', labels: { factor: 'sms' }, by: -1 }]), TypeError);
      assert.deepEqual(await stats.read(T0, T0 + HOUR, 'minute'), [], 'a refused batch writes nothing');
    },
  },
  {
    port: 'stats',
    name: 'keeps label values with separators apart (they are encoded)',
    async run({ stats }) {
      await stats.add(T0, [{ name: 'sms_refused', labels: { rule: 'a|b=c', country: 'DE' } }, { name: 'sms_refused', labels: { rule: 'a', country: 'DE' } }]);
      const [bucket] = await stats.read(T0, T0, 'minute');
      assert.equal(bucket?.counts.size, 2);
      assert.equal(bucket?.counts.get(statSeriesKey('sms_refused', { rule: 'a|b=c', country: 'DE' })), 1);
    },
  },
];
