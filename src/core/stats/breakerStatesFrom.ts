import { parseStatSeriesKey } from './statSeriesKey';
import type { OverviewBucket } from './summarizeOverview';

export type BreakerState = { country: string; lastOpenedAtMs: number; openAtLeastUntilMs: number };

/**
 * Countries whose conversion breaker is open now, as far as the stats can tell: an opening
 * recorded in a minute bucket keeps the breaker open for at least `openSeconds` from that
 * minute's start. A breaker re-opened soon after stays open longer (up to its maximum), so this
 * is a lower bound: a country not listed may still be open, one listed is.
 */
export function breakerStatesFrom(minuteBuckets: readonly OverviewBucket[], input: { nowMs: number; openSeconds: number }): BreakerState[] {
  const lastOpened = new Map<string, number>();
  for (const bucket of minuteBuckets) {
    for (const [key, count] of bucket.counts) {
      const series = parseStatSeriesKey(key);
      if (series?.name !== 'breaker_opened' || !(count > 0)) continue;
      const country = series.labels.country ?? 'unknown';
      lastOpened.set(country, Math.max(lastOpened.get(country) ?? 0, bucket.startMs));
    }
  }
  return [...lastOpened.entries()]
    .map(([country, lastOpenedAtMs]) => ({ country, lastOpenedAtMs, openAtLeastUntilMs: lastOpenedAtMs + input.openSeconds * 1000 }))
    .filter((s) => s.openAtLeastUntilMs > input.nowMs)
    .sort((a, b) => a.country.localeCompare(b.country));
}
