import type { AuditWriter, RequestContext } from '../audit/createAuditWriter';
import type { Logger } from '../config';
import type { Clock } from '../core/clock';

/** What an anonymous sign-in attempt came to: a wrong password for no known account, or a throttled try. */
export type AnonymousFailureKind = 'login_failed' | 'login_throttled';

export type FailureAggregator = {
  /**
   * Notes one anonymous failure from `address`. The first of its kind from an address in a
   * window is written at once; the rest are counted and written as one `<kind>_aggregate` event
   * when the window has passed.
   */
  note(kind: AnonymousFailureKind, address: string | null, context?: RequestContext): Promise<void>;
  /** Writes the counts of every window that has ended (all of them with `everything`). */
  flush(options?: { everything?: boolean }): Promise<void>;
  /** Windows still counting (tests). */
  readonly pendingWindows: number;
};

type Bucket = { kind: AnonymousFailureKind; address: string | null; counted: number; otherAddresses: boolean };

const OTHER_ADDRESSES = '*';

/**
 * Keeps anonymous noise from growing the audit trail without bound: anyone can fail a sign-in
 * as often as the throttle lets them, so instead of one event each, at most one event per
 * address and window is written, plus one count when the window ends. Past
 * `maxAddressesPerWindow` distinct addresses in a window, further addresses share one bucket
 * (counted, never written one by one). Failures against a known account are not noted here:
 * they go to that account's own chain, one event each.
 *
 * Counts live in this process until their window ends (each node aggregates its own traffic); a
 * timer (unref'd: it never holds the process open) writes them even when no further failure
 * comes to trigger it.
 */
export function createFailureAggregator(options: {
  audit: AuditWriter;
  clock: Clock;
  windowMs: number;
  maxAddressesPerWindow: number;
  logger?: Logger | undefined;
}): FailureAggregator {
  const { audit, clock, windowMs, maxAddressesPerWindow, logger } = options;
  const windows = new Map<number, Map<string, Bucket>>();
  let timer: NodeJS.Timeout | undefined;

  const flush = async ({ everything = false } = {}): Promise<void> => {
    const currentStart = windowStart(clock.nowMs());
    const ended = [...windows.keys()].filter((start) => everything || start < currentStart).sort((a, b) => a - b);
    // Taken out before the writes, so that concurrent flushes never write a window twice.
    const taken = ended.map((start) => [start, windows.get(start) as Map<string, Bucket>] as const);
    for (const [start] of taken) windows.delete(start);
    if (windows.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
    for (const [start, buckets] of taken) {
      for (const bucket of buckets.values()) {
        if (bucket.counted === 0) continue;
        await audit.record({
          type: `${bucket.kind}_aggregate`,
          outcome: bucket.kind === 'login_failed' ? 'failure' : 'blocked',
          reasons: [
            `count=${bucket.counted}`,
            `window_start=${new Date(start).toISOString()}`,
            `window_seconds=${windowMs / 1000}`,
            ...(bucket.otherAddresses ? ['other_addresses'] : []),
          ],
          context: { ip: bucket.address },
        });
      }
    }
  };

  function windowStart(nowMs: number): number {
    return nowMs - (nowMs % windowMs);
  }

  function ensureTimer(): void {
    if (timer) return;
    timer = setInterval(() => {
      flush().catch((err: unknown) => logger?.error({ event: 'audit_failed', err: String(err) }, 'Could not write aggregated sign-in failures'));
    }, windowMs);
    timer.unref();
  }

  return {
    async note(kind, address, context = {}) {
      const nowMs = clock.nowMs();
      if ([...windows.keys()].some((start) => start < windowStart(nowMs))) await flush();
      const start = windowStart(nowMs);
      let buckets = windows.get(start);
      if (!buckets) {
        buckets = new Map();
        windows.set(start, buckets);
      }
      ensureTimer();
      const ownKey = `${kind}|${address ?? ''}`;
      const full = !buckets.has(ownKey) && buckets.size >= maxAddressesPerWindow;
      const key = full ? `${kind}|${OTHER_ADDRESSES}` : ownKey;
      const bucket = buckets.get(key);
      if (bucket) {
        bucket.counted += 1;
        return;
      }
      if (full) {
        buckets.set(key, { kind, address: null, counted: 1, otherAddresses: true });
        return;
      }
      buckets.set(key, { kind, address, counted: 0, otherAddresses: false });
      await audit.record({
        type: kind,
        outcome: kind === 'login_failed' ? 'failure' : 'blocked',
        factor: 'pwd',
        reasons: [kind === 'login_failed' ? 'unknown_account' : 'throttled'],
        context: { ...context, ip: address },
      });
    },
    flush,
    get pendingWindows() {
      return windows.size;
    },
  };
}
