import type { SmsChallengeRecord } from '../../src/stores/types';
import type { TestApp } from './createTestApp';

/**
 * Every SMS challenge the test app's service stores from now on, as the service handed it to
 * the store; `stored` may change what is actually kept (a test of what the verify trusts).
 */
export function recordChallenges(t: TestApp, stored: (record: SmsChallengeRecord) => SmsChallengeRecord = (record) => record): SmsChallengeRecord[] {
  const created: SmsChallengeRecord[] = [];
  const challenges = t.stores.challenges;
  const create = challenges.create.bind(challenges);
  challenges.create = async (record) => {
    created.push(record);
    return create(stored(record));
  };
  return created;
}
