import type { Logger } from '../config';
import type { FollowUpWrite, StepGuardMetrics } from '../metrics/createMetrics';

/**
 * Lets a record that follows an already decided outcome travel with the answer instead of
 * before it (issue 12: one Redis round trip fewer per send and per verify). Only bookkeeping
 * goes this way, never a record an outcome depends on: the breaker's verified count (a lost one
 * makes the breaker stricter, never looser), the risk engine's success record (a lost one makes
 * the next request look like a new device: more step-ups, never fewer), a delivery record (a
 * lost one leaves a receipt unmatched) and the delete of a session id a step-up superseded (the
 * binding's epoch floor already ends it: a lost delete leaves a dead record until its TTL). A failure is logged and counted
 * (`stepguard_follow_up_write_failures_total`), never thrown and never an unhandled rejection.
 * Returns the settled promise, for callers (and tests) that want to wait for it.
 */
export function recordAlongside(deps: { metrics: Pick<StepGuardMetrics, 'followUpWriteFailed'>; logger: Logger | undefined }, write: FollowUpWrite, pending: Promise<unknown>): Promise<void> {
  return pending.then(
    () => undefined,
    (err: unknown) => {
      deps.metrics.followUpWriteFailed({ write });
      deps.logger?.error({ event: 'follow_up_write_failed', write, err: err instanceof Error ? err.message : String(err) }, 'A record written alongside an answer failed; the answer stands');
    },
  );
}
