import { z } from 'zod';
import { STATS_RETENTION_DEFAULTS } from '../stores/statsRetention';

/**
 * `stats`: the counts behind the admin overview. Each node adds up what its metrics count and
 * writes the sums to the StatsStore (Redis with `stores.redis`, else memory) every `flushSeconds`,
 * in one pipelined write; nothing is written per request.
 */
export const statsOptionsSchema = z.strictObject({
  /** Collect stats at all (the metrics are counted either way). @default true */
  enabled: z.boolean().optional(),
  /** How often a node writes its sums. @default 10 */
  flushSeconds: z.number().int().min(1).max(300).optional(),
  /** How long per-minute buckets are kept (the 1 h and 24 h views). @default 25 */
  minuteRetentionHours: z.number().int().min(1).max(7 * 24).optional(),
  /** How long per-hour buckets are kept (the 7-day view). @default 8 */
  hourRetentionDays: z.number().int().min(1).max(400).optional(),
});

export type StatsConfig = Readonly<{ enabled: boolean; flushSeconds: number; minuteRetentionHours: number; hourRetentionDays: number }>;

export const STATS_DEFAULTS = { enabled: true, flushSeconds: 10, ...STATS_RETENTION_DEFAULTS } as const;

/** The validated `stats` options with defaults. */
export function buildStatsConfig(given: z.output<typeof statsOptionsSchema> | undefined): StatsConfig {
  const g = given ?? {};
  return Object.freeze({
    enabled: g.enabled ?? STATS_DEFAULTS.enabled,
    flushSeconds: g.flushSeconds ?? STATS_DEFAULTS.flushSeconds,
    minuteRetentionHours: g.minuteRetentionHours ?? STATS_DEFAULTS.minuteRetentionHours,
    hourRetentionDays: g.hourRetentionDays ?? STATS_DEFAULTS.hourRetentionDays,
  });
}
