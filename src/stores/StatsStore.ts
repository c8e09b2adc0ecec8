/**
 * The stats port: counters in per-minute and per-hour buckets shared by every app node, written
 * by the stats recorder (a node-local aggregate flushed every `stats.flushSeconds`) and read by
 * the admin overview through the service. Memory and Redis adapters pass the same contract
 * (src/stores/contract/statsStoreContract.ts). Stats are best effort: a failed write loses
 * counts, never a send or a verification.
 */
import type { StatName } from '../core/stats/statNames';

export type { StatName };

/** Label values of one series; only the names in STAT_LABELS[name], bounded sets each. */
export type StatLabels = Readonly<Record<string, string>>;

export type StatIncrement = { name: StatName; labels?: StatLabels; by?: number };

export type StatResolution = 'minute' | 'hour';

/** One bucket's counts, keyed by series (statSeriesKey(name, labels); parseStatSeriesKey reads it back). */
export type StatBucket = { startMs: number; counts: ReadonlyMap<string, number> };

export interface StatsStore {
  /**
   * Adds every increment to the minute and the hour bucket holding `atMs`, in one round trip;
   * buckets expire (minute: `stats.minuteRetentionHours`, hour: `stats.hourRetentionDays`).
   */
  add(atMs: number, increments: readonly StatIncrement[]): Promise<void>;
  /**
   * The buckets of `resolution` whose start lies in [floor(fromMs), toMs], oldest first; a
   * bucket with no counts is left out.
   */
  read(fromMs: number, toMs: number, resolution: StatResolution): Promise<StatBucket[]>;
}
