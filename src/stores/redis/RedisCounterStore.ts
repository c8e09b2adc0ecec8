import type { CounterStore } from '../types';
import type { RedisKeys } from './redisKeys';
import { withScripts, type RedisLike } from './scripts';

/** Bucketed counters as hashes (bucket -> amount), trimmed and capped in one script. */
export class RedisCounterStore implements CounterStore {
  private readonly redis: ReturnType<typeof withScripts>;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    this.redis = withScripts(redis);
  }

  async add(key: string, input: { bucket: number; amount: number; fromBucket: number; cap: number; ttlSeconds: number }) {
    const [allowed, total] = (await this.redis.sgCounterAdd(
      this.keys.counter(key),
      input.bucket,
      input.amount,
      input.fromBucket,
      input.cap,
      input.ttlSeconds,
    )) as number[];
    return { allowed: allowed === 1, total: Number(total) };
  }
}
