import type { TrustedDevice, TrustedDeviceStore } from '../types';

export class MemoryTrustedDeviceStore implements TrustedDeviceStore {
  private readonly byUser = new Map<string, Map<string, TrustedDevice>>();

  async add(device: TrustedDevice): Promise<void> {
    const devices = this.byUser.get(device.userId) ?? new Map<string, TrustedDevice>();
    devices.set(device.id, { ...device });
    this.byUser.set(device.userId, devices);
  }

  async list(userId: string, nowMs: number): Promise<TrustedDevice[]> {
    return [...(this.byUser.get(userId)?.values() ?? [])].filter((d) => d.expiresAtMs > nowMs).map((d) => ({ ...d }));
  }

  async isTrusted(userId: string, deviceId: string, nowMs: number): Promise<boolean> {
    const d = this.byUser.get(userId)?.get(deviceId);
    return d !== undefined && d.expiresAtMs > nowMs;
  }

  async revoke(userId: string, deviceId: string): Promise<boolean> {
    return this.byUser.get(userId)?.delete(deviceId) ?? false;
  }

  async revokeAll(userId: string): Promise<number> {
    const n = this.byUser.get(userId)?.size ?? 0;
    this.byUser.delete(userId);
    return n;
  }
}
