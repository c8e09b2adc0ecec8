import type { Clock } from '../core/clock';
import { statSeriesKey } from '../core/stats/statSeriesKey';
import type { Logger } from '../config';
import type { StatBucket, StatIncrement, StatResolution, StatsStore } from '../stores/StatsStore';
import { MINUTE_MS } from '../stores/statsRetention';

export type StatsRecorder = {
  /** Adds to this node's sums (memory only, never a store call): safe on any request path. */
  record(increments: readonly StatIncrement[]): void;
  /** Writes the sums so far to the StatsStore; never throws (a failed write drops them, counted). */
  flush(): Promise<void>;
  /** Flushes, then reads the store (what the admin overview shows). Store errors reach the caller. */
  read(query: { fromMs: number; toMs: number; resolution: StatResolution }): Promise<StatBucket[]>;
  /** Stops the flush timer (the sums not yet written are flushed first). */
  close(): Promise<void>;
};

/**
 * The node-local side of the stats: the metrics decorator records increments into per-minute
 * sums here (keyed by the injected clock's minute), and every `flushSeconds` (timer unref'd, so
 * it never keeps a process alive) one `StatsStore.add` per minute touched since the last flush
 * writes them: normally one pipelined write per node per interval, whatever the traffic.
 * Stats are best effort: a store that cannot be written loses those counts (logged once per
 * outage, counted by `onDropped`), and never fails a send or a verification.
 */
export function createStatsRecorder(deps: {
  store: StatsStore;
  clock: Clock;
  flushSeconds: number;
  /** false: nothing is recorded and no timer runs; reads still work. @default true */
  enabled?: boolean;
  logger?: Logger | undefined;
  /** Told how many counts a failed write lost (stepguard_stats_dropped_total). */
  onDropped?: (count: number) => void;
}): StatsRecorder {
  const { store, clock } = deps;
  const enabled = deps.enabled ?? true;
  // minute start -> series key -> increment
  let pending = new Map<number, Map<string, StatIncrement & { by: number }>>();
  let failing = false;
  let inFlight: Promise<void> = Promise.resolve();

  function record(increments: readonly StatIncrement[]): void {
    if (!enabled) return;
    try {
      const minute = Math.floor(clock.nowMs() / MINUTE_MS) * MINUTE_MS;
      let sums = pending.get(minute);
      if (!sums) pending.set(minute, (sums = new Map()));
      for (const inc of increments) {
        const by = inc.by ?? 1;
        if (!Number.isSafeInteger(by) || by <= 0) continue;
        const key = statSeriesKey(inc.name, inc.labels);
        const sum = sums.get(key);
        if (sum) sum.by += by;
        else sums.set(key, { name: inc.name, ...(inc.labels ? { labels: inc.labels } : {}), by });
      }
    } catch (err) {
      // A label the stat does not declare is a bug, but never the request's failure.
      deps.logger?.error({ event: 'stats_record_failed', err: (err as Error).message }, 'A stat could not be recorded');
    }
  }

  async function writeOut(): Promise<void> {
    const batch = pending;
    pending = new Map();
    for (const [minute, sums] of batch) {
      if (sums.size === 0) continue;
      try {
        await store.add(minute, [...sums.values()]);
        if (failing) deps.logger?.info({ event: 'stats_store_recovered' }, 'Stats are written again');
        failing = false;
      } catch (err) {
        const lost = [...sums.values()].reduce((n, s) => n + s.by, 0);
        deps.onDropped?.(lost);
        if (!failing) deps.logger?.warn({ event: 'stats_store_failed', err: (err as Error).message, lost }, 'Stats could not be written (counts dropped until the store answers; sends and verifications go on)');
        failing = true;
      }
    }
  }

  // One flush at a time, in order: a manual flush waits for the timer's and then writes what came since.
  function flush(): Promise<void> {
    inFlight = inFlight.then(writeOut, writeOut);
    return inFlight;
  }

  const timer = enabled ? setInterval(() => void flush(), deps.flushSeconds * 1000) : null;
  timer?.unref();

  return {
    record,
    flush,
    read: async ({ fromMs, toMs, resolution }) => {
      await flush();
      return store.read(fromMs, toMs, resolution);
    },
    close: async () => {
      if (timer) clearInterval(timer);
      await flush();
    },
  };
}
