/**
 * A percentile from histogram buckets, the way Prometheus' histogram_quantile estimates it:
 * linear interpolation inside the bucket the rank falls in. `counts` are per bucket (not
 * cumulative), keyed by upper bound in seconds; `Infinity` holds what exceeds the last bound
 * (a rank there answers the last finite bound). Null when there is nothing to rank.
 *
 * @param quantile between 0 and 1, e.g. 0.95
 */
export function percentileFromBuckets(counts: ReadonlyMap<number, number>, quantile: number): number | null {
  if (!(quantile >= 0 && quantile <= 1)) throw new RangeError(`percentileFromBuckets: quantile must be in [0, 1], got ${quantile}`);
  const bounds = [...counts.keys()].filter((b) => counts.get(b)! > 0).sort((a, b) => a - b);
  const total = bounds.reduce((sum, b) => sum + counts.get(b)!, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  const finite = [...counts.keys()].filter(Number.isFinite).sort((a, b) => a - b);
  let below = 0;
  for (const bound of bounds) {
    const inBucket = counts.get(bound)!;
    if (below + inBucket >= rank) {
      if (!Number.isFinite(bound)) return finite.length > 0 ? finite[finite.length - 1]! : null;
      // The bucket's lower edge is the previous finite bound of the whole set (0 for the first).
      const lower = finite.filter((b) => b < bound).pop() ?? 0;
      return lower + (bound - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return finite.length > 0 ? finite[finite.length - 1]! : null;
}

/** The `le` label of a latency in seconds: the smallest bound it fits under, else `+Inf`. */
export function latencyBucketLabel(seconds: number, boundsSeconds: readonly number[]): string {
  const bound = boundsSeconds.find((b) => seconds <= b);
  return bound === undefined ? '+Inf' : String(bound);
}

/** Reads an `le` label back (`+Inf` is Infinity); NaN for anything else. */
export function parseLatencyBucketLabel(le: string): number {
  return le === '+Inf' ? Infinity : Number(le);
}
