import type { EnrolledFactor, FactorStore, FactorType } from '../types';

export class MemoryFactorStore implements FactorStore {
  private readonly factors = new Map<string, EnrolledFactor>();

  async list(userId: string, type?: FactorType): Promise<EnrolledFactor[]> {
    return [...this.factors.values()]
      .filter((f) => f.userId === userId && (type === undefined || f.type === type))
      .sort((a, b) => a.createdAtMs - b.createdAtMs)
      .map((f) => structuredClone(f));
  }

  async add(factor: EnrolledFactor): Promise<void> {
    if (this.factors.has(factor.id)) throw new Error(`factor ${factor.id} exists`);
    this.factors.set(factor.id, structuredClone(factor));
  }

  async update(userId: string, factorId: string, patch: { label?: string; lastUsedAtMs?: number; data?: Record<string, unknown> }): Promise<boolean> {
    const f = this.own(userId, factorId);
    if (!f) return false;
    if (patch.label !== undefined) f.label = patch.label;
    if (patch.lastUsedAtMs !== undefined) f.lastUsedAtMs = patch.lastUsedAtMs;
    if (patch.data !== undefined) f.data = { ...f.data, ...structuredClone(patch.data) };
    return true;
  }

  async advance(userId: string, factorId: string, field: string, next: number, alsoSet: Record<string, unknown> = {}): Promise<boolean> {
    const f = this.own(userId, factorId);
    const current = f?.data[field];
    if (!f || (typeof current === 'number' && next <= current)) return false;
    f.data = { ...f.data, ...structuredClone(alsoSet), [field]: next };
    return true;
  }

  async pull(userId: string, factorId: string, field: string, value: string): Promise<boolean> {
    const f = this.own(userId, factorId);
    const list = f?.data[field];
    if (!f || !Array.isArray(list) || !list.includes(value)) return false;
    f.data[field] = list.filter((v) => v !== value);
    return true;
  }

  private own(userId: string, factorId: string): EnrolledFactor | undefined {
    const f = this.factors.get(factorId);
    return f && f.userId === userId ? f : undefined;
  }

  async remove(userId: string, factorId: string): Promise<boolean> {
    const found = this.factors.get(factorId);
    if (!found || found.userId !== userId) return false;
    return this.factors.delete(factorId);
  }

  async removeAll(userId: string, type?: FactorType): Promise<number> {
    let removed = 0;
    for (const [id, f] of this.factors) {
      if (f.userId === userId && (type === undefined || f.type === type)) {
        this.factors.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}
