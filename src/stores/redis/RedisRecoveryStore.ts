import type { EndRecoveryResult, Recovery, RecoveryStatus, RecoveryStore, StartRecoveryInput } from '../RecoveryStore';
import type { RedisKeys } from './redisKeys';
import type { RedisLike } from './scripts';

// Every script works on one key, the account's recovery hash (in the user's hash tag, so it
// runs on Redis Cluster), and answers {1|0, reason, ...HGETALL}. A record is live while
// expiresAtMs > now; that field, not the Redis TTL (housekeeping), decides.
// Fields: id status startedAtMs completesAtMs remindAtMs remindedAtMs endedAtMs endedBy riskExtended keepMs expiresAtMs
const COMMON = `
local now = tonumber(ARGV[1])
local function live()
  local f = redis.call('HMGET', KEYS[1], 'status', 'expiresAtMs')
  if not f[1] or tonumber(f[2]) <= now then return nil end
  return f[1]
end
local function save(completesAt, endedAt)
  local keep = tonumber(redis.call('HGET', KEYS[1], 'keepMs'))
  local expires = (endedAt or completesAt) + keep
  redis.call('HSET', KEYS[1], 'expiresAtMs', string.format('%d', expires))
  redis.call('PEXPIRE', KEYS[1], math.max(1, expires - now))
end
local function answer(ok, reason)
  local out = {ok, reason}
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all do out[#out + 1] = all[i] end
  return out
end
`;

// ARGV: now, id, completesAtMs, remindAtMs, riskExtended (0|1), keepMs
const START = `${COMMON}
if live() == 'pending' then return answer(0, 'pending') end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'status', 'pending', 'startedAtMs', ARGV[1], 'completesAtMs', ARGV[3],
  'remindAtMs', ARGV[4], 'remindedAtMs', '0', 'endedAtMs', '0', 'endedBy', '', 'riskExtended', ARGV[5], 'keepMs', ARGV[6])
save(tonumber(ARGV[3]), nil)
return answer(1, 'started')
`;

// ARGV: now, leadMs
const CLAIM_REMINDER = `${COMMON}
if live() ~= 'pending' then return {0, 'no_recovery'} end
local f = redis.call('HMGET', KEYS[1], 'remindAtMs', 'remindedAtMs', 'completesAtMs')
if tonumber(f[2]) ~= 0 or now < tonumber(f[1]) then return {0, 'not_due'} end
local completes = math.max(tonumber(f[3]), now + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'remindedAtMs', ARGV[1], 'completesAtMs', string.format('%d', completes))
save(completes, nil)
return answer(1, 'claimed')
`;

// ARGV: now, id, remindedAtMs (the claim to hand back)
const RELEASE_REMINDER = `${COMMON}
if live() ~= 'pending' then return {0, 'no_recovery'} end
local f = redis.call('HMGET', KEYS[1], 'id', 'remindedAtMs')
if f[1] ~= ARGV[2] or tonumber(f[2]) ~= tonumber(ARGV[3]) then return {0, 'not_claimed'} end
redis.call('HSET', KEYS[1], 'remindedAtMs', '0')
return answer(1, 'released')
`;

// ARGV: now, status (cancelled|completed), by
const END = `${COMMON}
if live() ~= 'pending' then return {0, 'no_recovery'} end
if ARGV[2] == 'completed' then
  local f = redis.call('HMGET', KEYS[1], 'remindedAtMs', 'completesAtMs')
  if tonumber(f[1]) == 0 or now < tonumber(f[2]) then return answer(0, 'recovery_not_ready') end
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'endedAtMs', ARGV[1], 'endedBy', ARGV[3])
save(nil, now)
return answer(1, ARGV[2])
`;

// ARGV: now, completesAtMs (at the latest), leadMs
const SHORTEN = `${COMMON}
if live() ~= 'pending' then return {0, 'no_recovery'} end
local f = redis.call('HMGET', KEYS[1], 'completesAtMs', 'remindAtMs', 'remindedAtMs')
local completes = math.min(tonumber(f[1]), tonumber(ARGV[2]))
local remindAt = tonumber(f[2])
local remindedAt = tonumber(f[3])
if remindedAt ~= 0 then completes = math.max(completes, remindedAt + tonumber(ARGV[3]))
else remindAt = math.min(remindAt, now) end
redis.call('HSET', KEYS[1], 'completesAtMs', string.format('%d', completes), 'remindAtMs', string.format('%d', remindAt))
save(completes, nil)
return answer(1, 'shortened')
`;

type Reply = [number, string, ...string[]];
type RecoveryScripts = {
  sgRecoveryStart(key: string, ...args: (string | number)[]): Promise<Reply>;
  sgRecoveryClaimReminder(key: string, ...args: (string | number)[]): Promise<Reply>;
  sgRecoveryReleaseReminder(key: string, ...args: (string | number)[]): Promise<Reply>;
  sgRecoveryEnd(key: string, ...args: (string | number)[]): Promise<Reply>;
  sgRecoveryShorten(key: string, ...args: (string | number)[]): Promise<Reply>;
};
const SCRIPTS: Record<keyof RecoveryScripts, string> = {
  sgRecoveryStart: START,
  sgRecoveryClaimReminder: CLAIM_REMINDER,
  sgRecoveryReleaseReminder: RELEASE_REMINDER,
  sgRecoveryEnd: END,
  sgRecoveryShorten: SHORTEN,
};

/**
 * Recoveries in Redis: one hash per account under the user's hash tag, every move one Lua
 * script. The sweep's index (a sorted set of accounts by reminder time, in a slot of its own)
 * is written after the record and only ever read as a hint: each reminder is claimed on the
 * account's own record, so a stale or missing index entry can delay a reminder, never skip the
 * rule that a recovery completes only after it.
 */
export class RedisRecoveryStore implements RecoveryStore {
  private readonly redis: RedisLike & RecoveryScripts;

  constructor(
    redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {
    const client = redis as RedisLike & Partial<RecoveryScripts>;
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (typeof client[name as keyof RecoveryScripts] !== 'function') redis.defineCommand(name, { numberOfKeys: 1, lua });
    }
    this.redis = client as RedisLike & RecoveryScripts;
  }

  async start(input: StartRecoveryInput): Promise<{ started: boolean; recovery: Recovery }> {
    const reply = await this.redis.sgRecoveryStart(
      this.keys.recovery(input.userId),
      input.nowMs,
      input.id,
      input.completesAtMs,
      input.remindAtMs,
      input.riskExtended ? 1 : 0,
      input.keepMs,
    );
    const recovery = recoveryOf(input.userId, reply) as Recovery;
    if (reply[0] === 1) await this.redis.zadd(this.keys.recoveryDue(), recovery.remindAtMs, input.userId);
    return { started: reply[0] === 1, recovery };
  }

  async get(userId: string, nowMs: number): Promise<Recovery | null> {
    const h = await this.redis.hgetall(this.keys.recovery(userId));
    if (!h.status || Number(h.expiresAtMs) <= nowMs) return null;
    return fromHash(userId, h);
  }

  async claimReminder(userId: string, input: { nowMs: number; leadMs: number }): Promise<Recovery | null> {
    const reply = await this.redis.sgRecoveryClaimReminder(this.keys.recovery(userId), input.nowMs, input.leadMs);
    if (reply[0] !== 1) {
      if (reply[1] === 'no_recovery') await this.redis.zrem(this.keys.recoveryDue(), userId);
      return null;
    }
    await this.redis.zrem(this.keys.recoveryDue(), userId);
    return recoveryOf(userId, reply);
  }

  async releaseReminder(userId: string, input: { nowMs: number; id: string; remindedAtMs: number }): Promise<boolean> {
    const reply = await this.redis.sgRecoveryReleaseReminder(this.keys.recovery(userId), input.nowMs, input.id, input.remindedAtMs);
    if (reply[0] !== 1) return false;
    // Due again now: back in the sweep's index.
    await this.redis.zadd(this.keys.recoveryDue(), input.nowMs, userId);
    return true;
  }

  cancel(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult> {
    return this.end(userId, 'cancelled', input);
  }

  complete(userId: string, input: { nowMs: number; by: string }): Promise<EndRecoveryResult> {
    return this.end(userId, 'completed', input);
  }

  async shorten(userId: string, input: { nowMs: number; completesAtMs: number; leadMs: number }): Promise<EndRecoveryResult> {
    const reply = await this.redis.sgRecoveryShorten(this.keys.recovery(userId), input.nowMs, input.completesAtMs, input.leadMs);
    if (reply[0] !== 1) return { ok: false, reason: 'no_recovery' };
    const recovery = recoveryOf(userId, reply) as Recovery;
    if (recovery.remindedAtMs === null) await this.redis.zadd(this.keys.recoveryDue(), recovery.remindAtMs, userId);
    return { ok: true, recovery };
  }

  async due(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.recoveryDue(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  private async end(userId: string, status: 'cancelled' | 'completed', input: { nowMs: number; by: string }): Promise<EndRecoveryResult> {
    const reply = await this.redis.sgRecoveryEnd(this.keys.recovery(userId), input.nowMs, status, input.by);
    if (reply[0] === 1) {
      await this.redis.zrem(this.keys.recoveryDue(), userId);
      return { ok: true, recovery: recoveryOf(userId, reply) as Recovery };
    }
    if (reply[1] === 'recovery_not_ready') return { ok: false, reason: 'recovery_not_ready', recovery: recoveryOf(userId, reply) as Recovery };
    return { ok: false, reason: 'no_recovery' };
  }
}

/** The record in a script's answer ({ok, reason, ...HGETALL}). */
function recoveryOf(userId: string, reply: Reply): Recovery | null {
  const flat = reply.slice(2) as string[];
  if (flat.length === 0) return null;
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
  return fromHash(userId, h);
}

function fromHash(userId: string, h: Record<string, string>): Recovery {
  const time = (v: string | undefined) => (v === undefined || v === '0' ? null : Number(v));
  return {
    id: h.id ?? '',
    userId,
    status: h.status as RecoveryStatus,
    startedAtMs: Number(h.startedAtMs),
    completesAtMs: Number(h.completesAtMs),
    remindAtMs: Number(h.remindAtMs),
    remindedAtMs: time(h.remindedAtMs),
    endedAtMs: time(h.endedAtMs),
    endedBy: h.endedBy ? h.endedBy : null,
    riskExtended: h.riskExtended === '1',
  };
}
