/** How long stats buckets are kept; `stats.minuteRetentionHours` and `stats.hourRetentionDays`. */
export type StatsRetention = { minuteRetentionHours: number; hourRetentionDays: number };

export const STATS_RETENTION_DEFAULTS: StatsRetention = { minuteRetentionHours: 25, hourRetentionDays: 8 };

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The bucket width of a resolution, in ms. */
export function statBucketMs(resolution: 'minute' | 'hour'): number {
  return resolution === 'minute' ? MINUTE_MS : HOUR_MS;
}

/**
 * Every bucket start of `resolution` from floor(fromMs) to toMs, oldest first (empty when from >
 * to). A start older than the retention before `toMs` cannot hold anything, so the range is cut
 * there: a read from 0 costs what a read of the retention does.
 */
export function statBucketStarts(fromMs: number, toMs: number, resolution: 'minute' | 'hour', retentionMs: number): number[] {
  const width = statBucketMs(resolution);
  const starts: number[] = [];
  const from = Math.max(fromMs, toMs - retentionMs - width);
  for (let start = Math.floor(from / width) * width; start <= toMs; start += width) starts.push(start);
  return starts;
}

/** Refuses what would make a bucket lie: a non-integer or negative count (HINCRBY needs integers). */
export function checkStatIncrementBy(by: number): void {
  if (!Number.isSafeInteger(by) || by < 0) throw new TypeError(`StatsStore.add: "by" must be a non-negative integer, got ${by}`);
}
