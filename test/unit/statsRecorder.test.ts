import { createStatsRecorder } from '../../src/service/createStatsRecorder';
import { createMetrics } from '../../src/metrics/createMetrics';
import { recordStatsFromMetrics } from '../../src/metrics/recordStatsFromMetrics';
import { statSeriesKey } from '../../src/core/stats/statSeriesKey';
import { MemoryStatsStore } from '../../src/stores/memory/MemoryStatsStore';
import type { StatIncrement, StatsStore } from '../../src/stores/StatsStore';
import { fakeClock } from '../helpers/fakeClock';

/** A StatsStore that counts its round trips and can be switched off like a Redis outage. */
function spyStore() {
  const inner = new MemoryStatsStore();
  const calls: { atMs: number; increments: readonly StatIncrement[] }[] = [];
  let down = false;
  const store: StatsStore & { calls: typeof calls; setDown(d: boolean): void } = {
    calls,
    setDown: (d) => void (down = d),
    add: async (atMs, increments) => {
      calls.push({ atMs, increments });
      if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return inner.add(atMs, increments);
    },
    read: async (from, to, res) => {
      if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return inner.read(from, to, res);
    },
  };
  return store;
}

function memoryLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const log = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg ? { msg } : {}) });
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

describe('createStatsRecorder', () => {
  it('sums in memory and writes nothing until a flush, then one add per minute touched', async () => {
    const clock = fakeClock();
    const store = spyStore();
    const stats = createStatsRecorder({ store, clock, flushSeconds: 10 });
    for (let i = 0; i < 50; i += 1) stats.record([{ name: 'lockout', labels: { factor: 'sms' } }]);
    expect(store.calls).toHaveLength(0);
    await stats.flush();
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]?.increments).toEqual([{ name: 'lockout', labels: { factor: 'sms' }, by: 50 }]);
    await stats.flush();
    expect(store.calls).toHaveLength(1);
    await stats.close();
  });

  it('files counts under the minute they happened in (the injected clock), not the flush time', async () => {
    const clock = fakeClock();
    const store = spyStore();
    const stats = createStatsRecorder({ store, clock, flushSeconds: 10 });
    const start = Math.floor(clock.nowMs() / 60_000) * 60_000;
    stats.record([{ name: 'lockout', labels: { factor: 'sms' } }]);
    clock.advanceSeconds(3600);
    stats.record([{ name: 'lockout', labels: { factor: 'otp' } }]);
    const minutes = await stats.read({ fromMs: start, toMs: clock.nowMs(), resolution: 'minute' });
    expect(minutes.map((b) => (b.startMs - start) / 60_000)).toEqual([0, 60]);
    await stats.close();
  });

  it('flushes on its timer, which never keeps the process alive', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const unref = jest.spyOn(global, 'setInterval');
      const store = spyStore();
      const stats = createStatsRecorder({ store, clock: fakeClock(), flushSeconds: 10 });
      const timer = unref.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      stats.record([{ name: 'lockout', labels: { factor: 'sms' } }]);
      jest.advanceTimersByTime(9_999);
      expect(store.calls).toHaveLength(0);
      jest.advanceTimersByTime(1);
      await Promise.resolve();
      expect(store.calls).toHaveLength(1);
      await stats.close();
      unref.mockRestore();
    } finally {
      jest.useRealTimers();
    }
  });

  it('a store outage drops the counts (counted, logged once), never throws, and recovers', async () => {
    const store = spyStore();
    const { lines, logger } = memoryLogger();
    let dropped = 0;
    const stats = createStatsRecorder({ store, clock: fakeClock(), flushSeconds: 10, logger, onDropped: (n) => void (dropped += n) });
    store.setDown(true);
    for (let i = 0; i < 3; i += 1) {
      stats.record([{ name: 'lockout', labels: { factor: 'sms' }, by: 2 }]);
      await expect(stats.flush()).resolves.toBeUndefined();
    }
    expect(dropped).toBe(6);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    store.setDown(false);
    stats.record([{ name: 'lockout', labels: { factor: 'sms' } }]);
    await stats.flush();
    expect(lines.some((l) => (l.obj as { event?: string }).event === 'stats_store_recovered')).toBe(true);
    await stats.close();
  });

  it('lets a read see the store error (the overview answers 503, it does not show zeros)', async () => {
    const store = spyStore();
    const stats = createStatsRecorder({ store, clock: fakeClock(), flushSeconds: 10 });
    store.setDown(true);
    await expect(stats.read({ fromMs: 0, toMs: 1, resolution: 'minute' })).rejects.toThrow(/ECONNREFUSED/);
    await stats.close();
  });

  it('records nothing and runs no timer when disabled', async () => {
    const store = spyStore();
    const stats = createStatsRecorder({ store, clock: fakeClock(), flushSeconds: 10, enabled: false });
    stats.record([{ name: 'lockout', labels: { factor: 'sms' } }]);
    await stats.flush();
    expect(store.calls).toHaveLength(0);
  });

  it('a stat with a label it does not declare is logged and never thrown into the request', () => {
    const { lines, logger } = memoryLogger();
    const stats = createStatsRecorder({ store: spyStore(), clock: fakeClock(), flushSeconds: 10, enabled: true, logger });
    expect(() => stats.record([{ name: 'lockout', labels: { userId: 'alice' } }])).not.toThrow();
    expect(lines[0]?.level).toBe('error');
    void stats.close();
  });
});

describe('recordStatsFromMetrics', () => {
  it('counts the Prometheus metric and records the stat with its bounded labels, spend included', async () => {
    const base = createMetrics({ spend: { priceMicros: { DE: 70_000, default: 50_000 }, hourlyCapMicros: 1_000_000 } });
    const store = new MemoryStatsStore();
    const clock = fakeClock();
    const stats = createStatsRecorder({ store, clock, flushSeconds: 10 });
    const metrics = recordStatsFromMetrics(base, stats, { priceMicros: { DE: 70_000, default: 50_000 } });
    metrics.smsSent({ country: 'DE', provider: 'p', channel: 'sms' });
    metrics.smsSent({ country: null, provider: 'p', channel: 'voice' });
    metrics.smsBlocked({ rule: 'phone_budget', mode: 'enforce', country: 'FR' });
    metrics.smsBlocked({ rule: 'prefix_velocity', mode: 'observe', country: 'FR' });
    metrics.deliveryReceipt({ provider: 'p', status: 'delivered', country: 'DE' }, 16);
    metrics.verification({ factor: 'sms', result: 'success', country: 'DE' });
    metrics.lockout({ factor: 'otp' });
    metrics.stepUpDecision({ action: 'login', outcome: 'step-up', reason: 'new_device' });
    metrics.breakerOpened({ country: 'NG' }, 600);
    const [bucket] = await stats.read({ fromMs: clock.nowMs(), toMs: clock.nowMs(), resolution: 'hour' });
    const counts = Object.fromEntries(bucket?.counts ?? []);
    expect(counts).toEqual({
      [statSeriesKey('sms_sent', { country: 'DE', provider: 'p', channel: 'sms' })]: 1,
      [statSeriesKey('sms_sent', { country: 'unknown', provider: 'p', channel: 'voice' })]: 1,
      [statSeriesKey('spend_micros', { country: 'DE' })]: 70_000,
      [statSeriesKey('spend_micros', { country: 'unknown' })]: 50_000,
      [statSeriesKey('sms_refused', { rule: 'phone_budget', country: 'FR' })]: 1,
      [statSeriesKey('sms_receipt', { country: 'DE', status: 'delivered' })]: 1,
      [statSeriesKey('sms_delivery_latency', { le: '20' })]: 1,
      [statSeriesKey('verification', { factor: 'sms', country: 'DE', result: 'success' })]: 1,
      [statSeriesKey('lockout', { factor: 'otp' })]: 1,
      [statSeriesKey('step_up_decision', { outcome: 'step-up', reason: 'new_device' })]: 1,
      [statSeriesKey('breaker_opened', { country: 'NG' })]: 1,
    });
    const text = await base.registry.metrics();
    expect(text).toContain('stepguard_sms_spend_micros_total{country="DE"} 70000');
    expect(text).toContain('stepguard_sms_spend_cap_micros{window="hour"} 1000000');
    expect(text).toContain('stepguard_lockouts_total{factor="otp"} 1');
    expect(text).toMatch(/stepguard_sms_breaker_open_until_timestamp_seconds\{country="NG"\} \d+/);
    expect(text).toContain('stepguard_verifications_total{factor="sms",result="success",country="DE"} 1');
    await stats.close();
  });
});
