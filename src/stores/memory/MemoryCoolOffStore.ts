import type { CoolOff, CoolOffStore } from '../types';
import { ExpiringMap } from './ExpiringMap';

/** Account cool-offs in process memory, following the caller's clock. */
export class MemoryCoolOffStore implements CoolOffStore {
  private readonly coolOffs = new ExpiringMap<CoolOff>();

  async start(userId: string, input: { nowMs: number; untilMs: number; addedRef?: string }): Promise<CoolOff> {
    const running = this.coolOffs.get(userId, input.nowMs);
    const next: CoolOff = running
      ? { startedAtMs: running.startedAtMs, untilMs: Math.max(running.untilMs, input.untilMs), addedRefs: [...running.addedRefs] }
      : { startedAtMs: input.nowMs, untilMs: input.untilMs, addedRefs: [] };
    if (input.addedRef && !next.addedRefs.includes(input.addedRef)) next.addedRefs.push(input.addedRef);
    this.coolOffs.set(userId, next, next.untilMs, input.nowMs);
    return { ...next, addedRefs: [...next.addedRefs].sort() };
  }

  async get(userId: string, nowMs: number): Promise<CoolOff | null> {
    const running = this.coolOffs.get(userId, nowMs);
    return running ? { ...running, addedRefs: [...running.addedRefs].sort() } : null;
  }
}
