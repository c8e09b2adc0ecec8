import { statSeriesKey } from '../../src/core/stats/statSeriesKey';
import { createTestApp, type TestApp } from '../helpers/createTestApp';

/**
 * `guard.close()` on shutdown writes the node's buffered stats: they are otherwise written only
 * every `stats.flushSeconds`, and a node stopping in between would lose them.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('guard.close()', () => {
  it('writes the buffered stats of a step-up to the store, which held none of them before', async () => {
    t = await createTestApp();
    const fromMs = t.clock.nowMs();
    const c = await t.client();
    await c.stepUp();
    const sent = statSeriesKey('sms_sent', { country: 'US', channel: 'sms', provider: t.sms.name });
    const stored = async () => {
      const buckets = await t!.stores.stats!.read(fromMs, t!.clock.nowMs() + 60_000, 'minute');
      return buckets.reduce((n, b) => n + (b.counts.get(sent) ?? 0), 0);
    };
    expect(await stored()).toBe(0);
    await t.guard.close();
    expect(await stored()).toBe(1);
  });
});
