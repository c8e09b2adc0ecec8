import { TEST_REDIS_URL } from './withRedis';

/**
 * Runs a suite against the memory stores and against real Redis. The Redis run is skipped,
 * loudly, when no redis-server is available (a failure under STEPGUARD_REQUIRE_REDIS=1, see
 * globalSetup).
 */
export function describeForEachStore(name: string, fn: (useRedis: boolean) => void): void {
  describe(`${name} [memory]`, () => fn(false));
  if (TEST_REDIS_URL) {
    describe(`${name} [redis]`, () => fn(true));
  } else {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED (no redis-server): ${name} [redis]`);
    describe.skip(`${name} [redis]`, () => fn(true));
  }
}
