import type { RateLimitStore, WindowAdd } from '../types';

/** Sliding windows in memory, with the same semantics as the Redis sorted-set script. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { members: Map<string, number>; expiresAtMs: number }>();
  private writes = 0;

  async add(key: string, member: string, limit: number, windowMs: number, nowMs: number): Promise<WindowAdd> {
    let window = this.windows.get(key);
    if (!window) {
      window = { members: new Map(), expiresAtMs: 0 };
      this.windows.set(key, window);
    }
    for (const [m, at] of window.members) if (at <= nowMs - windowMs) window.members.delete(m);
    if (++this.writes % 1000 === 0) this.sweep(nowMs);
    const present = window.members.has(member);
    if (present || window.members.size < limit) {
      window.members.set(member, nowMs);
      window.expiresAtMs = nowMs + windowMs;
      return { allowed: true, added: !present, count: window.members.size, retryAfterMs: 0 };
    }
    const oldest = Math.min(...window.members.values());
    return { allowed: false, added: false, count: window.members.size, retryAfterMs: oldest + windowMs - nowMs };
  }

  async remove(key: string, member: string): Promise<void> {
    this.windows.get(key)?.members.delete(member);
  }

  async addGroup(group: string, windows: readonly { key: string; limit: number; windowMs: number }[], member: string, nowMs: number): Promise<WindowAdd[]> {
    const results: WindowAdd[] = [];
    for (const w of windows) results.push(await this.add(groupKey(group, w.key), member, w.limit, w.windowMs, nowMs));
    return results;
  }

  async removeFromGroup(group: string, key: string, member: string): Promise<void> {
    await this.remove(groupKey(group, key), member);
  }

  private sweep(nowMs: number): void {
    for (const [key, window] of this.windows) if (window.expiresAtMs <= nowMs) this.windows.delete(key);
  }
}

// A newline cannot appear in a rule name, so a group's windows never meet a plain key.
function groupKey(group: string, key: string): string {
  return `${group}\n${key}`;
}
