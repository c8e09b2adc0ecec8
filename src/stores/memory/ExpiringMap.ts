/**
 * A map whose entries expire at a time the caller states, judged against the `nowMs` the
 * caller passes in, so memory adapters follow the injected clock exactly as Redis scripts do.
 * Expired entries are dropped lazily and by an occasional sweep so memory stays bounded.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();
  private writesSinceSweep = 0;

  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  expiresAt(key: string, nowMs: number): number | undefined {
    return this.get(key, nowMs) === undefined ? undefined : this.entries.get(key)?.expiresAtMs;
  }

  set(key: string, value: V, expiresAtMs: number, nowMs: number): void {
    this.entries.set(key, { value, expiresAtMs });
    this.writesSinceSweep += 1;
    if (this.writesSinceSweep >= 1000) this.sweep(nowMs);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(nowMs: number): void {
    this.writesSinceSweep = 0;
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= nowMs) this.entries.delete(key);
  }
}
