import type { Cluster, Redis } from 'ioredis';

export type RedisLike = Redis | Cluster;

/**
 * Lua scripts for the steps that must be atomic. Each touches only keys of one user (one hash
 * tag). Times come in as ARGV from the injected clock; Redis TTLs are only housekeeping.
 */
/**
 * The attempt reservation both attempt scripts begin with: the lock, the challenge (bound to the
 * binding, unexpired, tries left), one more try and failure counted before any comparison, and
 * the lock time the failure would earn. Leaves `f`, `attempts`, `failures`, `lockUntil` defined.
 */
const RESERVE_ATTEMPT = `
local now = tonumber(ARGV[1])
local lockedUntil = tonumber(redis.call('GET', KEYS[3]) or '0')
if lockedUntil > now then return {'locked', lockedUntil} end
local f = redis.call('HMGET', KEYS[1], 'bindingId', 'expiresAtMs', 'attempts', 'codeHash', 'phone', 'purpose', 'txHash', 'country')
if not f[1] or f[1] ~= ARGV[2] then return {'not_found'} end
local expiresAt = tonumber(f[2])
if expiresAt <= now then return {'expired'} end
if tonumber(f[3]) >= tonumber(ARGV[3]) then return {'exhausted', expiresAt} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local failures = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
local lockUntil = -1
if failures >= tonumber(ARGV[6]) then lockUntil = now + tonumber(ARGV[8])
elseif failures % tonumber(ARGV[4]) == 0 then lockUntil = now + tonumber(ARGV[5]) end
`;

export const SCRIPTS = {
  // KEYS: challenge, failures, lock
  // ARGV: nowMs, bindingId, maxAttempts, maxConsecutiveFailures, lockMs, hardLimitFailures,
  //       failureMemoryMs, hardLockMs
  // Reply: 'ok', codeHash, phone, purpose, txHash, attempts, failures, lockUntil, country (nil
  // in challenges stored without one); sgVerifyAttempt then adds matched and the epoch floor.
  sgReserveAttempt: {
    keys: 3,
    lua: `${RESERVE_ATTEMPT}if lockUntil > 0 then redis.call('SET', KEYS[3], string.format('%d', lockUntil), 'PX', lockUntil - now) end
return {'ok', f[4], f[5], f[6], f[7], attempts, failures, lockUntil, f[8]}
`,
  },
  // KEYS: challenge, failures, lock, the binding's session epoch
  // ARGV: as sgReserveAttempt, then candidateHash, phoneBindPurpose, expectPhoneBind (1|0),
  //       sessionEpoch ('' for no supersede), epochKeepMs
  // sgReserveAttempt, then a constant-time comparison (every byte, whatever differs) and, on a
  // match for a challenge of the expected kind, sgConsumeChallenge and (asked for) the session's
  // supersede as sgSupersedeSession: one command (issue 12).
  sgVerifyAttempt: {
    keys: 4,
    lua: `${RESERVE_ATTEMPT}local stored = f[4]
local candidate = ARGV[9]
local matched = 0
if ((f[6] == ARGV[10]) == (ARGV[11] == '1')) and #stored == #candidate then
  local diff = 0
  for i = 1, #stored do diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(candidate, i))) end
  if diff == 0 then matched = 1 end
end
if matched == 1 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  local floor = -1
  if ARGV[12] ~= '' then
    floor = math.max(tonumber(redis.call('GET', KEYS[4]) or '0'), tonumber(ARGV[12]) + 1)
    redis.call('SET', KEYS[4], string.format('%d', floor), 'PX', ARGV[13])
  end
  return {'ok', stored, f[5], f[6], f[7], attempts, failures, -1, f[8], 1, floor}
end
if lockUntil > 0 then redis.call('SET', KEYS[3], string.format('%d', lockUntil), 'PX', lockUntil - now) end
return {'ok', stored, f[5], f[6], f[7], attempts, failures, lockUntil, f[8], 0}
`,
  },
  // KEYS: challenge, failures, lock
  sgConsumeChallenge: {
    keys: 3,
    lua: `
if redis.call('DEL', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[2], KEYS[3])
  return 1
end
return 0
`,
  },
  // KEYS: challenge
  // ARGV: nowMs, bindingId, expectedSendCount, codeHash, expiresAtMs, nextResendAtMs, maxAttempts, keepMs
  sgReplaceCode: {
    keys: 1,
    lua: `
local now = tonumber(ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'bindingId', 'expiresAtMs', 'attempts', 'nextResendAtMs', 'sendCount')
if not f[1] or f[1] ~= ARGV[2] then return {'not_found'} end
if tonumber(f[2]) <= now then return {'expired'} end
if tonumber(f[3]) >= tonumber(ARGV[7]) then return {'exhausted', tonumber(f[2])} end
if now < tonumber(f[4]) then return {'too_early', tonumber(f[4])} end
if tonumber(f[5]) ~= tonumber(ARGV[3]) then return {'conflict'} end
redis.call('HSET', KEYS[1], 'codeHash', ARGV[4], 'expiresAtMs', ARGV[5], 'nextResendAtMs', ARGV[6], 'sendCount', tonumber(f[5]) + 1)
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return {'ok'}
`,
  },
  // KEYS: failures, lock
  // ARGV: nowMs, maxConsecutiveFailures, lockMs, hardLimitFailures, failureMemoryMs, hardLockMs
  sgReserveFactorAttempt: {
    keys: 2,
    lua: `
local now = tonumber(ARGV[1])
local lockedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if lockedUntil > now then return {'locked', lockedUntil} end
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local lockUntil = -1
if failures >= tonumber(ARGV[4]) then lockUntil = now + tonumber(ARGV[6])
elseif failures % tonumber(ARGV[2]) == 0 then lockUntil = now + tonumber(ARGV[3]) end
if lockUntil > 0 then redis.call('SET', KEYS[2], string.format('%d', lockUntil), 'PX', lockUntil - now) end
return {'ok', lockUntil}
`,
  },
  // KEYS: window (sorted set)   ARGV: member, limit, windowMs, nowMs
  // -> {allowed 0|1, count, retryAfterMs, added 0|1}
  sgWindowAdd: {
    keys: 1,
    lua: `
local now = tonumber(ARGV[4])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local present = redis.call('ZSCORE', KEYS[1], ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if not present and count >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, count, tonumber(oldest[2]) + window - now, 0}
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], window)
if present then return {1, count, 0, 0} end
return {1, count + 1, 0, 1}
`,
  },
  // KEYS: counter (hash of bucket -> amount)   ARGV: bucket, amount, fromBucket, cap, ttlSeconds
  // -> {allowed 0|1, total}
  sgCounterAdd: {
    keys: 1,
    lua: `
local fields = redis.call('HGETALL', KEYS[1])
local from = tonumber(ARGV[3])
local total = 0
for i = 1, #fields, 2 do
  if tonumber(fields[i]) < from then redis.call('HDEL', KEYS[1], fields[i]) else total = total + tonumber(fields[i + 1]) end
end
local amount = tonumber(ARGV[2])
if amount == 0 then return {1, total} end
local cap = tonumber(ARGV[4])
if cap > 0 and total + amount > cap then return {0, total} end
redis.call('HINCRBY', KEYS[1], ARGV[1], amount)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return {1, total + amount}
`,
  },
  // KEYS: sent (hash bucket -> n), verified (same), state (hash)
  // ARGV: nowMs, bucketMs, windowMs, minSends, minConversion, openMs, maxOpenMs, count (1|0)
  // -> {open 0|1, openUntilMs, level, tripped 0|1, sent, verified}
  sgBreakerAdmit: {
    keys: 3,
    lua: `
local now = tonumber(ARGV[1])
local bucketMs = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local st = redis.call('HMGET', KEYS[3], 'openUntilMs', 'level', 'countFromMs')
local openUntil = tonumber(st[1] or '0')
local level = tonumber(st[2] or '0')
local countFrom = tonumber(st[3] or '0')
if now < openUntil then return {1, openUntil, level, 0, 0, 0} end
local bucket = math.floor(now / bucketMs)
local from = math.max(bucket - math.ceil(windowMs / bucketMs) + 1, math.floor(countFrom / bucketMs))
local function total(key)
  local f = redis.call('HGETALL', key)
  local t = 0
  for i = 1, #f, 2 do
    if tonumber(f[i]) < from then redis.call('HDEL', key, f[i]) else t = t + tonumber(f[i + 1]) end
  end
  return t
end
local sent = total(KEYS[1])
local verified = total(KEYS[2])
if sent >= tonumber(ARGV[4]) and verified < tonumber(ARGV[5]) * sent then
  if openUntil > 0 and now - openUntil < windowMs then level = level + 1 else level = 0 end
  local openFor = math.min(tonumber(ARGV[6]) * math.pow(2, level), tonumber(ARGV[7]))
  openUntil = now + openFor
  redis.call('HSET', KEYS[3], 'openUntilMs', string.format('%d', openUntil), 'level', level, 'countFromMs', string.format('%d', openUntil))
  redis.call('PEXPIRE', KEYS[3], string.format('%d', openFor + 2 * windowMs))
  return {1, openUntil, level, 1, sent, verified}
end
if ARGV[8] == '1' then
  redis.call('HINCRBY', KEYS[1], bucket, 1)
  redis.call('PEXPIRE', KEYS[1], windowMs + 60000)
  sent = sent + 1
end
return {0, openUntil, level, 0, sent, verified}
`,
  },
  // KEYS: delivery record (hash)   ARGV: status, rank, atMs, errorCode
  // -> {-1} unknown | {changed 0|1, HGETALL...}
  sgDeliveryAdvance: {
    keys: 1,
    lua: `
local rank = redis.call('HGET', KEYS[1], 'rank')
if not rank then return {-1} end
local changed = 0
if tonumber(ARGV[2]) > tonumber(rank) then
  changed = 1
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'rank', ARGV[2], 'updatedAtMs', ARGV[3])
  if ARGV[1] == 'delivered' then redis.call('HSET', KEYS[1], 'deliveredAtMs', ARGV[3]) end
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'errorCode', ARGV[4]) end
end
local out = {changed}
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields do out[#out + 1] = fields[i] end
return out
`,
  },
  // KEYS: cool-off hash, cool-off added set   ARGV: nowMs, untilMs, addedRef ('' for none)
  // -> {startedAtMs, untilMs, ...addedRefs}
  sgStartCoolOff: {
    keys: 2,
    lua: `
local now = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'start', 'until')
local start = tonumber(f[1])
local untilMs = tonumber(f[2])
if not untilMs or untilMs <= now then
  start = now
  untilMs = wanted
  redis.call('DEL', KEYS[2])
elseif wanted > untilMs then
  untilMs = wanted
end
redis.call('HSET', KEYS[1], 'start', string.format('%d', start), 'until', string.format('%d', untilMs))
if ARGV[3] ~= '' then redis.call('SADD', KEYS[2], ARGV[3]) end
local ttl = math.max(1, untilMs - now)
redis.call('PEXPIRE', KEYS[1], ttl)
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
local out = {string.format('%d', start), string.format('%d', untilMs)}
local added = redis.call('SMEMBERS', KEYS[2])
for i = 1, #added do out[#out + 1] = added[i] end
return out
`,
  },
  // KEYS: a hash   ARGV: ttlMs, field, value, field, value...
  // One command for a hash and its TTL (issue 12): HSET cannot carry a TTL, a MULTI of HSET and
  // PEXPIRE costs four commands.
  sgHsetPx: {
    keys: 1,
    lua: `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`,
  },
  // KEYS: windows (sorted sets) of one subject, one hash tag   ARGV: member, nowMs, then
  // limit, windowMs per key -> per key {allowed 0|1, count, retryAfterMs, added 0|1}:
  // sgWindowAdd's judgement for each window in turn, in one command.
  // keys -1: called with the number of keys first (ioredis' dynamic form).
  sgWindowAddGroup: {
    keys: -1,
    lua: `
local now = tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local present = redis.call('ZSCORE', key, ARGV[1])
  local count = redis.call('ZCARD', key)
  if not present and count >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    out[#out + 1] = {0, count, tonumber(oldest[2]) + window - now, 0}
  else
    redis.call('ZADD', key, now, ARGV[1])
    redis.call('PEXPIRE', key, window)
    if present then out[#out + 1] = {1, count, 0, 0} else out[#out + 1] = {1, count + 1, 0, 1} end
  end
end
return out
`,
  },
  // KEYS: devices set, countries set, last-seen hash   ARGV: deviceHash ('' for none)
  // -> {knownDevice 0|1, countries, last-seen HGETALL}: the risk engine's reads in one command
  sgRiskSnapshot: {
    keys: 3,
    lua: `
local known = 0
if ARGV[1] ~= '' then known = redis.call('SISMEMBER', KEYS[1], ARGV[1]) end
return {known, redis.call('SMEMBERS', KEYS[2]), redis.call('HGETALL', KEYS[3])}
`,
  },
  // KEYS: a hash of bucket -> count   ARGV: bucket, delta, ttlMs
  sgBumpBucket: {
    keys: 1,
    lua: `
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
  },
  // KEYS: devices set, countries set, last-seen hash
  // ARGV: keepSeconds, deviceHash ('' for none), country ('' for none), latitude, longitude, atMs
  sgRecordSeen: {
    keys: 3,
    lua: `
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], 'country', ARGV[3], 'latitude', ARGV[4], 'longitude', ARGV[5], 'atMs', ARGV[6])
redis.call('EXPIRE', KEYS[3], ARGV[1])
return 1
`,
  },
  // KEYS: the binding's session epoch   ARGV: sessionEpoch, keepMs -> the new floor
  sgSupersedeSession: {
    keys: 1,
    lua: `
local floor = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1]) + 1)
redis.call('SET', KEYS[1], string.format('%d', floor), 'PX', ARGV[2])
return floor
`,
  },
  // KEYS: generation, the caller's revoked key   ARGV: checkCaller (0|1), callerGeneration, keepMs
  // -> the new generation, or -1 when the caller is no longer live
  sgRevokeAllSessions: {
    keys: 2,
    lua: `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] == '1' and (redis.call('EXISTS', KEYS[2]) == 1 or tonumber(ARGV[2]) < current) then return -1 end
local next = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return next
`,
  },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

type ScriptClient = Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

/** Registers the scripts on a client once; ioredis then runs them by SHA (EVALSHA). */
export function withScripts(redis: RedisLike): RedisLike & ScriptClient {
  const client = redis as RedisLike & Partial<ScriptClient>;
  for (const [name, { keys, lua }] of Object.entries(SCRIPTS)) {
    if (typeof client[name as ScriptName] !== 'function') {
      redis.defineCommand(name, { ...(keys >= 0 ? { numberOfKeys: keys } : {}), lua });
    }
  }
  return client as RedisLike & ScriptClient;
}
