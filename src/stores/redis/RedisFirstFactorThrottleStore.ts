import type { FirstFactorThrottleStore, ThrottlePolicy, ThrottleReservation } from '../FirstFactorThrottleStore';
import type { RedisKeys } from './redisKeys';
import type { RedisLike } from './scripts';

// KEYS: the throttle hash {n, until}   ARGV: nowMs, freeFailures, baseDelayMs, maxDelayMs, memoryMs
// -> {1, failures, blockedUntilMs (0 = none)} | {0, retryAfterMs}
// The delay is throttleDelayMs() (src/core/throttle): keep the two in step.
const RESERVE = `
local now = tonumber(ARGV[1])
local st = redis.call('HMGET', KEYS[1], 'n', 'until')
local n = tonumber(st[1] or '0')
local blockedUntil = tonumber(st[2] or '0')
if blockedUntil > now then return {0, blockedUntil - now} end
n = n + 1
local free = tonumber(ARGV[2])
local delay = 0
if n >= free then
  local doublings = math.min(n - free, 40)
  delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * math.pow(2, doublings))
end
blockedUntil = 0
if delay > 0 then blockedUntil = now + delay end
redis.call('HSET', KEYS[1], 'n', n, 'until', string.format('%d', blockedUntil))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.max(tonumber(ARGV[5]), delay)))
return {1, n, blockedUntil}
`;

// KEYS: the throttle hash   ARGV: freeFailures
const RELEASE = `
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n <= 1 then redis.call('DEL', KEYS[1]) return 0 end
n = n - 1
if n < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'n', n, 'until', '0') else redis.call('HSET', KEYS[1], 'n', n) end
return n
`;

type ThrottleScripts = {
  sgFirstFactorReserve(key: string, nowMs: number, free: number, baseMs: number, maxMs: number, memoryMs: number): Promise<number[]>;
  sgFirstFactorRelease(key: string, free: number): Promise<number>;
};

/**
 * The first-factor throttle in Redis: one hash per key under its own hash tag (so it works on
 * Redis Cluster), counted and judged in one script so concurrent attempts on several app nodes
 * see each other. Times come from the injected clock; the TTL is housekeeping.
 */
export class RedisFirstFactorThrottleStore implements FirstFactorThrottleStore {
  private readonly redis: RedisLike & ThrottleScripts;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    const client = redis as RedisLike & Partial<ThrottleScripts>;
    if (typeof client.sgFirstFactorReserve !== 'function') redis.defineCommand('sgFirstFactorReserve', { numberOfKeys: 1, lua: RESERVE });
    if (typeof client.sgFirstFactorRelease !== 'function') redis.defineCommand('sgFirstFactorRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = client as RedisLike & ThrottleScripts;
  }

  async reserve(key: string, policy: ThrottlePolicy, nowMs: number): Promise<ThrottleReservation> {
    const [ok, a, b] = (await this.redis.sgFirstFactorReserve(this.keys.firstFactor(key), nowMs, policy.freeFailures, policy.baseDelayMs, policy.maxDelayMs, policy.memoryMs)).map(Number) as [number, number, number];
    if (ok !== 1) return { ok: false, retryAfterMs: a };
    return { ok: true, failures: a, blockedUntilMs: b > 0 ? b : null };
  }

  async release(key: string, policy: ThrottlePolicy): Promise<void> {
    await this.redis.sgFirstFactorRelease(this.keys.firstFactor(key), policy.freeFailures);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.keys.firstFactor(key));
  }
}
