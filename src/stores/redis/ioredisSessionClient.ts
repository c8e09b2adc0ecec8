import type { RedisLike } from './scripts';

/**
 * connect-redis 9 speaks node-redis' API; this adapts an ioredis client (or Cluster) to the
 * handful of calls it makes, so one ioredis connection serves sessions and stepguard alike.
 */
export function ioredisSessionClient(redis: RedisLike) {
  return {
    get: (key: string) => redis.get(key),
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
