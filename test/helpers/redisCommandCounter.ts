import type { Cluster, Redis } from 'ioredis';

/** One command as the client issued it, and the round trip it rode in. */
export interface CountedCommand {
  name: string;
  /** The first key (or script sha's first key), prefix stripped, to make a breakdown readable. */
  key: string;
  roundTrip: number;
}

export interface RedisWork {
  commands: number;
  roundTrips: number;
  list: CountedCommand[];
}

/**
 * Counts the commands a real ioredis client (a `Redis` or a `Cluster`) issues, and the
 * sequential round trips they take, by wrapping the client's own `sendCommand` — the one door
 * every command goes through: plain calls, `defineCommand` scripts (EVALSHA, and EVAL on a
 * NOSCRIPT retry), pipelines and `MULTI` transactions (whose `MULTI` and `EXEC` count as
 * commands: they are written, parsed and answered like any other). The session store goes
 * through the same client (ioredisSessionClient), so its commands count too.
 *
 * Round-trip rule: a command starts a new round trip when a reply to an earlier command of the
 * window has arrived since the current round trip began; otherwise it rides in the current
 * one. So commands issued together (a pipeline, a MULTI, calls issued in the same tick, and
 * concurrent per-node pipelines on a Cluster) are one round trip, and a command that had to
 * wait for an answer — the session load before the liveness check, a read before the write it
 * decides — starts the next one. A command issued later without any reply in between (an
 * await on something that is not Redis) rides in the same round trip: it adds no wait on Redis.
 */
export function countRedisWork(client: Redis | Cluster, keyPrefix = ''): { reset(): void; take(): RedisWork } {
  const target = client as unknown as { sendCommand: (command: unknown, ...rest: unknown[]) => unknown };
  const original = target.sendCommand.bind(client);
  let list: CountedCommand[] = [];
  let roundTrip = 0;
  let replySinceRoundTripBegan = true;
  target.sendCommand = (command: unknown, ...rest: unknown[]) => {
    const c = command as { name: string; args: unknown[]; promise: Promise<unknown> };
    if (replySinceRoundTripBegan) {
      roundTrip += 1;
      replySinceRoundTripBegan = false;
    }
    list.push({ name: c.name.toUpperCase(), key: describeKey(c, keyPrefix), roundTrip });
    const onReply = () => {
      replySinceRoundTripBegan = true;
    };
    c.promise.then(onReply, onReply);
    return original(command, ...rest);
  };
  return {
    reset() {
      list = [];
      roundTrip = 0;
      replySinceRoundTripBegan = true;
    },
    take() {
      const taken = { commands: list.length, roundTrips: roundTrip, list };
      list = [];
      roundTrip = 0;
      replySinceRoundTripBegan = true;
      return taken;
    },
  };
}

function describeKey(c: { name: string; args: unknown[] }, keyPrefix: string): string {
  const name = c.name.toLowerCase();
  // EVALSHA/EVAL sha numkeys key...: the first key says which script ran where.
  const raw = name === 'evalsha' || name === 'eval' ? c.args[2] : c.args[0];
  const key = raw === undefined ? '' : String(raw);
  return keyPrefix && key.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : key;
}

/** A breakdown a failing budget prints: one line per round trip, its commands and keys. */
export function describeRedisWork(kind: string, work: RedisWork): string {
  const lines = [`${kind}: ${work.commands} commands in ${work.roundTrips} round trips`];
  for (let rt = 1; rt <= work.roundTrips; rt += 1) {
    const inTrip = work.list.filter((c) => c.roundTrip === rt);
    lines.push(`  round trip ${rt}: ${inTrip.map((c) => `${c.name} ${c.key}`.trim()).join(' | ')}`);
  }
  return lines.join('\n');
}
