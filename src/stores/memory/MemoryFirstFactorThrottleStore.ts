import { throttleDelayMs } from '../../core/throttle/throttleDelayMs';
import type { FirstFactorThrottleStore, ThrottlePolicy, ThrottleReservation } from '../FirstFactorThrottleStore';

type Entry = { failures: number; blockedUntilMs: number; expiresAtMs: number };

/**
 * The first-factor throttle in memory, with the Redis script's semantics. Keys are bounded:
 * past `maxKeys` (a flood of made-up usernames from many addresses) the least recently written
 * key is forgotten first, so memory stays flat; an account under attack is written on every
 * counted attempt and so stays among the newest.
 */
export class MemoryFirstFactorThrottleStore implements FirstFactorThrottleStore {
  // A Map keeps insertion order; every write re-inserts, so the first key is the stalest.
  private readonly entries = new Map<string, Entry>();
  private writesSinceSweep = 0;

  constructor(private readonly maxKeys = 100_000) {}

  async reserve(key: string, policy: ThrottlePolicy, nowMs: number): Promise<ThrottleReservation> {
    const entry = this.live(key, nowMs);
    if (entry && entry.blockedUntilMs > nowMs) return { ok: false, retryAfterMs: entry.blockedUntilMs - nowMs };
    const failures = (entry?.failures ?? 0) + 1;
    const delayMs = throttleDelayMs(failures, policy);
    const blockedUntilMs = delayMs > 0 ? nowMs + delayMs : 0;
    this.write(key, { failures, blockedUntilMs, expiresAtMs: nowMs + Math.max(policy.memoryMs, delayMs) }, nowMs);
    return { ok: true, failures, blockedUntilMs: blockedUntilMs || null };
  }

  async release(key: string, policy: ThrottlePolicy, nowMs: number): Promise<void> {
    const entry = this.live(key, nowMs);
    if (!entry) return;
    const failures = entry.failures - 1;
    if (failures <= 0) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, { ...entry, failures, blockedUntilMs: failures < policy.freeFailures ? 0 : entry.blockedUntilMs });
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Keys held now (tests check the bound). */
  get size(): number {
    return this.entries.size;
  }

  private live(key: string, nowMs: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAtMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, entry: Entry, nowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (++this.writesSinceSweep >= 1000) {
      this.writesSinceSweep = 0;
      for (const [k, e] of this.entries) if (e.expiresAtMs <= nowMs) this.entries.delete(k);
    }
    while (this.entries.size > this.maxKeys) {
      const stalest = this.entries.keys().next().value as string;
      this.entries.delete(stalest);
    }
  }
}
