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

  async getState(key: string): Promise<string | null> {
    return this.redis.get(this.keys.state(key));
  }

  async setState(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.state(key), value, 'EX', ttlSeconds);
  }
}
