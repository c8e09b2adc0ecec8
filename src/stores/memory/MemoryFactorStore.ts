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
