import { Redis, type RedisOptions } from 'ioredis';

/**
 * ioredis options that make stepguard fail fast and closed: while Redis is unreachable a
 * command errors at once (no offline queue, one retry) instead of hanging the request, so
 * the guard answers `503`; the client keeps reconnecting and recovers without a restart.
 * Auto-pipelining sends the commands a request issues together (a send's budget scripts and
 * challenge, a verify's follow-up writes) and those of concurrent requests in one socket write:
 * under load about a fifth more step-ups per second on the bench machine (issue 12, session 7).
 */
export const FAIL_FAST_REDIS_OPTIONS: RedisOptions = {
  enableAutoPipelining: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  commandTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 100, 1000),
};

/** An ioredis client for `url` with {@link FAIL_FAST_REDIS_OPTIONS}, resolved once it is ready. */
export async function createRedisClient(url: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { ...FAIL_FAST_REDIS_OPTIONS, lazyConnect: true, ...options });
  // Errors are reported through commands; without a listener ioredis would print each retry.
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}
