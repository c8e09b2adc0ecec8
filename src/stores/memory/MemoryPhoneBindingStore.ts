import { newPhoneBinding, type BindPhoneInput, type BindPhoneResult, type PhoneBinding, type PhoneBindingStore } from '../types';

export class MemoryPhoneBindingStore implements PhoneBindingStore {
  private readonly byUser = new Map<string, PhoneBinding>();

  async getActive(userId: string): Promise<PhoneBinding | null> {
    const found = this.byUser.get(userId);
    return found ? { ...found } : null;
  }

  async bind(input: BindPhoneInput): Promise<BindPhoneResult> {
    const previous = this.byUser.get(input.userId) ?? null;
    if (previous?.phoneHash === input.phoneHash) return { ok: true, binding: { ...previous }, previous: { ...previous } };
    let others = 0;
    for (const binding of this.byUser.values()) if (binding.phoneHash === input.phoneHash) others += 1;
    if (others >= input.maxAccountsPerNumber) return { ok: false, reason: 'number_unavailable' };
    const binding = newPhoneBinding(input, previous !== null);
    this.byUser.set(input.userId, binding);
    return { ok: true, binding: { ...binding }, previous: previous ? { ...previous } : null };
  }

  async remove(userId: string): Promise<PhoneBinding | null> {
    const found = this.byUser.get(userId) ?? null;
    this.byUser.delete(userId);
    return found;
  }
}
