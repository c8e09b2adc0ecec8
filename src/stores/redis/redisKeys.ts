/**
 * Every Redis key stepguard writes, in one place. Keys that one script or transaction touches
 * together share a hash tag (`{u:<user>}`), so they live in one slot and the scripts work on
 * Redis Cluster. Every key gets a TTL where it is written.
 */
export function redisKeys(prefix: string) {
  const user = (userId: string) => `${prefix}:{u:${encodeURIComponent(userId)}}`;
  return {
    challenge: (userId: string, challengeId: string) => `${user(userId)}:ch:${challengeId}`,
    failures: (userId: string) => `${user(userId)}:2fa:fails`,
    lock: (userId: string) => `${user(userId)}:2fa:lock`,
    approval: (userId: string, bindingId: string, action: string, txHash: string) =>
      `${user(userId)}:tx:${bindingId}:${encodeURIComponent(action)}:${txHash}`,
    devices: (userId: string) => `${user(userId)}:risk:devices`,
    countries: (userId: string) => `${user(userId)}:risk:countries`,
    lastSeen: (userId: string) => `${user(userId)}:risk:last`,
    trusted: (userId: string) => `${user(userId)}:trusted`,
    coolOff: (userId: string) => `${user(userId)}:cooloff`,
    coolOffAdded: (userId: string) => `${user(userId)}:cooloff:added`,
    sessionGeneration: (userId: string) => `${user(userId)}:sess:gen`,
    sessionRevoked: (userId: string, bindingId: string) => `${user(userId)}:sess:rv:${bindingId}`,
    sessionEpoch: (userId: string, bindingId: string) => `${user(userId)}:sess:ep:${bindingId}`,
    /** The account's self-service recovery (one hash; RedisRecoveryStore). */
    recovery: (userId: string) => `${user(userId)}:recovery`,
    /** Accounts by when their recovery's reminder is due: the sweep's hint, in a slot of its own. */
    recoveryDue: () => `${prefix}:{rc:due}`,
    window: (key: string) => `${prefix}:{rl:${encodeURIComponent(key)}}`,
    /** A window of a group (one subject's budgets): the group is the hash tag, so one script judges them all. */
    groupWindow: (group: string, key: string) => `${prefix}:{rlg:${encodeURIComponent(group)}}:${encodeURIComponent(key)}`,
    counter: (key: string) => `${prefix}:{ct:${encodeURIComponent(key)}}`,
    /** First-factor throttle: one key (account or address digest) per hash tag. */
    firstFactor: (key: string) => `${prefix}:{ff:${encodeURIComponent(key)}}`,
    /** One hash tag per country: the breaker script reads and writes all three at once. */
    breaker: (country: string) => {
      const base = `${prefix}:{cc:${encodeURIComponent(country)}}`;
      return { sent: `${base}:sent`, verified: `${base}:verified`, state: `${base}:breaker` };
    },
    delivery: (provider: string, messageId: string) => `${prefix}:{dl:${encodeURIComponent(provider)}:${encodeURIComponent(messageId)}}`,
    challengeDelivery: (userId: string, challengeId: string) => `${user(userId)}:ch:${challengeId}:dl`,
    /** One stats bucket (a hash: series -> count). Every bucket shares the `{st}` tag, so one flush is one MULTI on Cluster too. */
    statsBucket: (resolution: 'minute' | 'hour', startMs: number) => `${prefix}:{st}:${resolution === 'minute' ? 'm' : 'h'}:${startMs}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
