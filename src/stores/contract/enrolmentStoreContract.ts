import assert from 'node:assert/strict';
import type { StoreContractCase } from './types';

/**
 * Enrolment answers (snooze, decline) and requirement grace periods: a grace period starts
 * once and no later call moves it, concurrent first calls included.
 */
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

export const enrolmentStoreContract: readonly StoreContractCase[] = [
  {
    port: 'enrolment',
    name: 'has no record for a user who never answered',
    async run({ enrolment }) {
      assert.equal(await enrolment.get('nobody'), null);
    },
  },
  {
    port: 'enrolment',
    name: 'keeps a snooze (a later one replaces it) and the first decline, per user',
    async run({ enrolment }) {
      await enrolment.snooze('u1', T0 + 7 * DAY);
      await enrolment.snooze('u1', T0 + 9 * DAY);
      await enrolment.decline('u1', T0 + DAY);
      await enrolment.decline('u1', T0 + 2 * DAY);
      assert.deepEqual(await enrolment.get('u1'), { snoozedUntilMs: T0 + 9 * DAY, declinedAtMs: T0 + DAY, graceStartedAtMs: {} });
      assert.equal(await enrolment.get('u2'), null, 'another user has no record');
    },
  },
  {
    port: 'enrolment',
    name: 'starts a grace period once: later calls get the first start back',
    async run({ enrolment }) {
      assert.equal(await enrolment.startGrace('u1', 'phishing_resistant', T0), T0);
      assert.equal(await enrolment.startGrace('u1', 'phishing_resistant', T0 + 5 * DAY), T0);
      await enrolment.snooze('u1', T0 + 7 * DAY);
      assert.equal(await enrolment.startGrace('u1', 'second_factor', T0 + DAY), T0 + DAY, 'each requirement has its own');
      assert.deepEqual(await enrolment.get('u1'), { snoozedUntilMs: T0 + 7 * DAY, declinedAtMs: null, graceStartedAtMs: { phishing_resistant: T0, second_factor: T0 + DAY } });
    },
  },
  {
    port: 'enrolment',
    name: 'agrees on one start under 10 concurrent first calls',
    async run({ enrolment }) {
      const starts = await Promise.all(Array.from({ length: 10 }, (_, i) => enrolment.startGrace('u1', 'second_factor', T0 + i)));
      assert.equal(new Set(starts).size, 1, `starts returned: ${starts.join(', ')}`);
      assert.deepEqual((await enrolment.get('u1'))?.graceStartedAtMs, { second_factor: starts[0] });
    },
  },
];
