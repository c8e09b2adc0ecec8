import type { RiskStore, SeenLocation } from '../types';

const MAX_DEVICES = 50;

export class MemoryRiskStore implements RiskStore {
  private readonly devices = new Map<string, string[]>();
  private readonly countries = new Map<string, Set<string>>();
  private readonly last = new Map<string, SeenLocation>();

  async isKnownDevice(userId: string, deviceHash: string): Promise<boolean> {
    return this.devices.get(userId)?.includes(deviceHash) ?? false;
  }

  async knownCountries(userId: string): Promise<string[]> {
    return [...(this.countries.get(userId) ?? [])].sort();
  }

  async lastSeen(userId: string): Promise<SeenLocation | null> {
    const found = this.last.get(userId);
    return found ? { ...found } : null;
  }

  async snapshot(userId: string, deviceHash: string | null): Promise<{ countries: string[]; lastSeen: SeenLocation | null; knownDevice: boolean }> {
    const [countries, lastSeen, knownDevice] = await Promise.all([
      this.knownCountries(userId),
      this.lastSeen(userId),
      deviceHash ? this.isKnownDevice(userId, deviceHash) : false,
    ]);
    return { countries, lastSeen, knownDevice };
  }

  async recordSuccess(userId: string, input: { deviceHash: string | null; location: SeenLocation }): Promise<void> {
    if (input.deviceHash) {
      const list = (this.devices.get(userId) ?? []).filter((d) => d !== input.deviceHash);
      list.push(input.deviceHash);
      this.devices.set(userId, list.slice(-MAX_DEVICES));
    }
    if (input.location.country) {
      const set = this.countries.get(userId) ?? new Set<string>();
      set.add(input.location.country);
      this.countries.set(userId, set);
    }
    this.last.set(userId, { ...input.location });
  }
}
