import type { CounterStore } from '../types';

/**
 * Bucketed counters and state values in memory. Which buckets count is decided by
 * `fromBucket`, from the caller's clock; TTLs are Redis housekeeping and are not needed here.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, Map<number, number>>();

  async add(key: string, input: { bucket: number; amount: number; fromBucket: number; cap: number; ttlSeconds: number }) {
    let buckets = this.counters.get(key);
    if (!buckets) {
      buckets = new Map();
      this.counters.set(key, buckets);
    }
    let total = 0;
    for (const [bucket, value] of buckets) {
      if (bucket < input.fromBucket) buckets.delete(bucket);
      else total += value;
    }
    if (input.amount === 0) return { allowed: true, total };
    if (input.cap > 0 && total + input.amount > input.cap) return { allowed: false, total };
    buckets.set(input.bucket, (buckets.get(input.bucket) ?? 0) + input.amount);
    return { allowed: true, total: total + input.amount };
  }
}
