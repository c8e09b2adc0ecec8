import type { PhoneBindingStore } from '../types';

export class MemoryPhoneBindingStore implements PhoneBindingStore {
  private readonly phones = new Map<string, { e164: string; boundAtMs: number }>();

  async getPhone(userId: string): Promise<string | null> {
    return this.phones.get(userId)?.e164 ?? null;
  }

  async setPhone(userId: string, e164: string, nowMs: number): Promise<void> {
    this.phones.set(userId, { e164, boundAtMs: nowMs });
  }
}
