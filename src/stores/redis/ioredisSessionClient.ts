import type { RedisLike } from './scripts';

/**
 * connect-redis 9 speaks node-redis' API; this adapts an ioredis client (or Cluster) to the
 * handful of calls it makes, so one ioredis connection serves sessions and stepguard alike.
 * With `onLoad: guard.sessionLoading` and connect-redis' `prefix` as `keyPrefix`, stepguard's
 * revocation check is sent together with the session load: one round trip, not two (issue 12).
 */
export function ioredisSessionClient(redis: RedisLike, options: { keyPrefix?: string; onLoad?: (sessionId: string) => void } = {}) {
  const { keyPrefix = '', onLoad } = options;
  return {
    get: (key: string) => {
      const loading = redis.get(key);
      try {
        if (onLoad && key.startsWith(keyPrefix)) onLoad(key.slice(keyPrefix.length));
      } catch {
        // A check not started here is read after the load instead: slower, never skipped.
      }
      return loading;
    },
    set: (key: string, value: string, options?: { expiration?: { type: 'EX'; value: number } }) =>
      options?.expiration ? redis.set(key, value, 'EX', options.expiration.value) : redis.set(key, value),
    expire: (key: string, seconds: number) => redis.expire(key, seconds),
    del: (keys: string[] | string) => redis.del(...(Array.isArray(keys) ? keys : [keys])),
    mGet: (keys: string[]) => redis.mget(...keys),
    scanIterator: ({ MATCH, COUNT }: { MATCH: string; COUNT: number }) => scan(redis, MATCH, COUNT),
  };
}

async function* scan(redis: RedisLike, match: string, count: number): AsyncGenerator<string[]> {
  const nodes = 'nodes' in redis && typeof redis.nodes === 'function' ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}
