import { statSeriesKey } from '../../core/stats/statSeriesKey';
import type { StatBucket, StatIncrement, StatResolution, StatsStore } from '../StatsStore';
import { HOUR_MS, MINUTE_MS, STATS_RETENTION_DEFAULTS, checkStatIncrementBy, statBucketStarts, type StatsRetention } from '../statsRetention';

/**
 * Stats buckets in memory: this node's counts only (each node of a cluster sees its own). Old
 * buckets are dropped on write, by the writer's clock, after the same retention Redis uses.
 */
export class MemoryStatsStore implements StatsStore {
  private readonly buckets = { minute: new Map<number, Map<string, number>>(), hour: new Map<number, Map<string, number>>() };
  private readonly retentionMs: Record<StatResolution, number>;

  constructor(retention: StatsRetention = STATS_RETENTION_DEFAULTS) {
    this.retentionMs = { minute: retention.minuteRetentionHours * HOUR_MS, hour: retention.hourRetentionDays * 24 * HOUR_MS };
  }

  async add(atMs: number, increments: readonly StatIncrement[]): Promise<void> {
    const series = increments.map((inc) => {
      const by = inc.by ?? 1;
      checkStatIncrementBy(by);
      return { key: statSeriesKey(inc.name, inc.labels), by };
    });
    for (const resolution of ['minute', 'hour'] as const) {
      const width = resolution === 'minute' ? MINUTE_MS : HOUR_MS;
      const start = Math.floor(atMs / width) * width;
      const buckets = this.buckets[resolution];
      for (const old of buckets.keys()) if (old + width + this.retentionMs[resolution] <= atMs) buckets.delete(old);
      let counts = buckets.get(start);
      if (!counts) buckets.set(start, (counts = new Map()));
      for (const { key, by } of series) if (by > 0) counts.set(key, (counts.get(key) ?? 0) + by);
      if (counts.size === 0) buckets.delete(start);
    }
  }

  async read(fromMs: number, toMs: number, resolution: StatResolution): Promise<StatBucket[]> {
    const out: StatBucket[] = [];
    for (const startMs of statBucketStarts(fromMs, toMs, resolution, this.retentionMs[resolution])) {
      const counts = this.buckets[resolution].get(startMs);
      if (counts && counts.size > 0) out.push({ startMs, counts: new Map(counts) });
    }
    return out;
  }
}
