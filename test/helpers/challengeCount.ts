import type { TestApp } from './createTestApp';

/** Every SMS challenge a user has in the store (memory: the map; Redis: KEYS on each master), delivery pointers aside. */
export async function challengeCount(t: TestApp, userId: string): Promise<number> {
  if (!t.redis) {
    // The memory store's own map (private; read here only to count what is left behind).
    const entries = (t.stores.challenges as unknown as { challenges: { entries: Map<string, unknown> } }).challenges.entries;
    return [...entries.keys()].filter((k) => k.startsWith(`${userId}\u0000`)).length;
  }
  const nodes = 'nodes' in t.redis ? t.redis.nodes('master') : [t.redis];
  let n = 0;
  for (const node of nodes) {
    const keys = await node.keys(`${t.keyPrefix}:{u:${userId}}:ch:*`);
    n += keys.filter((k) => !k.endsWith(':dl')).length;
  }
  return n;
}
