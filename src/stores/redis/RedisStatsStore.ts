import { statSeriesKey } from '../../core/stats/statSeriesKey';
import type { StatBucket, StatIncrement, StatResolution, StatsStore } from '../StatsStore';
import { HOUR_MS, MINUTE_MS, STATS_RETENTION_DEFAULTS, checkStatIncrementBy, statBucketStarts, type StatsRetention } from '../statsRetention';
import type { RedisKeys } from './redisKeys';
import type { RedisLike } from './scripts';

/**
 * Stats buckets as hashes (series -> count), one per minute and one per hour, shared by every
 * node. An `add` is one MULTI: HINCRBY into both buckets and EXPIRE on each, all under the one
 * `{st}` hash tag so it is a single-slot transaction on Redis Cluster. TTLs count from the write
 * (Redis time): they are housekeeping, the read range comes from the caller's clock.
 */
export class RedisStatsStore implements StatsStore {
  private readonly retentionMs: Record<StatResolution, number>;

  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
    retention: StatsRetention = STATS_RETENTION_DEFAULTS,
  ) {
    this.retentionMs = { minute: retention.minuteRetentionHours * HOUR_MS, hour: retention.hourRetentionDays * 24 * HOUR_MS };
  }

  async add(atMs: number, increments: readonly StatIncrement[]): Promise<void> {
    const series = new Map<string, number>();
    for (const inc of increments) {
      const by = inc.by ?? 1;
      checkStatIncrementBy(by);
      if (by > 0) {
        const key = statSeriesKey(inc.name, inc.labels);
        series.set(key, (series.get(key) ?? 0) + by);
      }
    }
    if (series.size === 0) return;
    const tx = this.redis.multi();
    for (const [resolution, width] of [['minute', MINUTE_MS], ['hour', HOUR_MS]] as const) {
      const key = this.keys.statsBucket(resolution, Math.floor(atMs / width) * width);
      for (const [field, by] of series) tx.hincrby(key, field, by);
      // The bucket's own width on top, so the last write into a bucket keeps it the full retention.
      tx.pexpire(key, this.retentionMs[resolution] + width);
    }
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results) throw new Error('RedisStatsStore.add: the transaction was aborted');
    if (failed) throw failed[0];
  }

  async read(fromMs: number, toMs: number, resolution: StatResolution): Promise<StatBucket[]> {
    const starts = statBucketStarts(fromMs, toMs, resolution, this.retentionMs[resolution]);
    if (starts.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const start of starts) pipeline.hgetall(this.keys.statsBucket(resolution, start));
    const results = (await pipeline.exec()) ?? [];
    const out: StatBucket[] = [];
    starts.forEach((startMs, i) => {
      const [err, hash] = results[i] ?? [new Error('RedisStatsStore.read: missing reply'), null];
      if (err) throw err;
      const entries = Object.entries((hash ?? {}) as Record<string, string>);
      if (entries.length > 0) out.push({ startMs, counts: new Map(entries.map(([k, v]) => [k, Number(v)])) });
    });
    return out;
  }
}
