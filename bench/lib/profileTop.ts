import { readFileSync } from 'node:fs';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type ProfileShare = { name: string; selfShare: number; totalShare: number };

/**
 * From a V8 .cpuprofile (node --cpu-prof): the `top` functions of files whose path holds
 * `pathPart` (stepguard's own: /dist/src/), by self time, each with its self and inclusive
 * share of the busy (non-idle) samples; and how busy time splits into a few buckets.
 */
export function profileTop(file: string, pathPart: string, top: number): { functions: ProfileShare[]; buckets: Record<string, number> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  let busy = 0;
  const selfByName = new Map<string, number>();
  const totalByName = new Map<string, number>();
  const buckets: Record<string, number> = {};
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '')}:${n.callFrame.lineNumber + 1}`;
  for (const [id, count] of self) {
    const node = byId.get(id) as ProfileNode;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)') continue;
    busy += count;
    const url = node.callFrame.url;
    const bucket =
      fn === '(garbage collector)' ? 'GC'
      : url.includes('/dist/src/') ? 'stepguard'
      : /node_modules\/(ioredis|@ioredis|redis-parser|cluster-key-slot|denque)/.test(url) ? 'ioredis'
      : /node_modules\/(express-session|connect-redis|cookie-signature|cookie|uid-safe)\//.test(url) ? 'express-session'
      : /node_modules\/(express|router|body-parser|helmet|passport|send|finalhandler|on-finished|type-is|accepts|negotiator)\//.test(url) ? 'express/helmet/passport'
      : /node_modules\/pino/.test(url) ? 'logging (pino)'
      : url.startsWith('node:') || url === '' ? 'node core / native'
      : 'other';
    buckets[bucket] = (buckets[bucket] ?? 0) + count;
    if (url.includes(pathPart)) selfByName.set(label(node), (selfByName.get(label(node)) ?? 0) + count);
    // Inclusive: each stepguard frame on the sample's stack, once per stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at) as ProfileNode;
      if (!frame.callFrame.url.includes(pathPart)) continue;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      totalByName.set(name, (totalByName.get(name) ?? 0) + count);
    }
  }
  const functions = [...selfByName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, count]) => ({ name, selfShare: count / busy, totalShare: (totalByName.get(name) ?? count) / busy }));
  for (const k of Object.keys(buckets)) buckets[k] = (buckets[k] as number) / busy;
  return { functions, buckets };
}
