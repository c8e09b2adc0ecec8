import type { BreakerAdmit, BreakerPolicy, BreakerStore } from '../types';

const BUCKET_MS = 60_000;

type CountryState = { sent: Map<number, number>; verified: Map<number, number>; openUntilMs: number; level: number; countFromMs: number };

/** The breaker in memory, step for step as the Redis script (one process needs no locking). */
export class MemoryBreakerStore implements BreakerStore {
  private readonly countries = new Map<string, CountryState>();

  private of(country: string): CountryState {
    let state = this.countries.get(country);
    if (!state) {
      state = { sent: new Map(), verified: new Map(), openUntilMs: 0, level: 0, countFromMs: 0 };
      this.countries.set(country, state);
    }
    return state;
  }

  async admit(country: string, policy: BreakerPolicy, nowMs: number, count: boolean): Promise<BreakerAdmit> {
    const s = this.of(country);
    if (nowMs < s.openUntilMs) return { open: true, openUntilMs: s.openUntilMs, level: s.level, tripped: false, sent: 0, verified: 0 };
    const bucket = Math.floor(nowMs / BUCKET_MS);
    const from = Math.max(bucket - Math.ceil(policy.windowMs / BUCKET_MS) + 1, Math.floor(s.countFromMs / BUCKET_MS));
    const total = (buckets: Map<number, number>) => {
      let t = 0;
      for (const [b, n] of buckets) {
        if (b < from) buckets.delete(b);
        else t += n;
      }
      return t;
    };
    let sent = total(s.sent);
    const verified = total(s.verified);
    if (sent >= policy.minSends && verified < policy.minConversion * sent) {
      s.level = s.openUntilMs > 0 && nowMs - s.openUntilMs < policy.windowMs ? s.level + 1 : 0;
      const openFor = Math.min(policy.openMs * 2 ** s.level, policy.maxOpenMs);
      s.openUntilMs = nowMs + openFor;
      s.countFromMs = s.openUntilMs;
      return { open: true, openUntilMs: s.openUntilMs, level: s.level, tripped: true, sent, verified };
    }
    if (count) {
      s.sent.set(bucket, (s.sent.get(bucket) ?? 0) + 1);
      sent += 1;
    }
    return { open: false, openUntilMs: s.openUntilMs, level: s.level, tripped: false, sent, verified };
  }

  async adjustSent(country: string, atMs: number, delta: number): Promise<void> {
    const sent = this.of(country).sent;
    const bucket = Math.floor(atMs / BUCKET_MS);
    sent.set(bucket, (sent.get(bucket) ?? 0) + delta);
  }

  async recordVerified(country: string, atMs: number): Promise<void> {
    const verified = this.of(country).verified;
    const bucket = Math.floor(atMs / BUCKET_MS);
    verified.set(bucket, (verified.get(bucket) ?? 0) + 1);
  }
}
