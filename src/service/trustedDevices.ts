import type { RequestContext } from '../audit/createAuditWriter';
import { newRandomId } from '../core/random';
import type { TrustedDevice } from '../stores/types';
import type { ServiceContext } from './ServiceContext';

/** Remembers this device for `trustedDevices.days` after a successful second factor. */
export async function trustDevice(ctx: ServiceContext, input: { userId: string; label: string; context?: RequestContext }): Promise<TrustedDevice> {
  const nowMs = ctx.config.clock.nowMs();
  const device: TrustedDevice = {
    id: newRandomId(ctx.config.random),
    userId: input.userId,
    label: input.label.slice(0, 80),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + ctx.config.trustedDevices.days * 86_400_000,
  };
  await ctx.audit.record({ type: 'device_trusted', outcome: 'success', userId: input.userId, ...(input.context ? { context: input.context } : {}) });
  await ctx.stores.trustedDevices.add(device, nowMs);
  return device;
}

/**
 * Every trusted device of the user stops counting: called whenever a factor is added, removed
 * or reset, so a device remembered before the change cannot skip a step-up after it.
 */
export async function revokeAllTrustedDevices(ctx: ServiceContext, userId: string, reason: string): Promise<number> {
  const removed = await ctx.stores.trustedDevices.revokeAll(userId);
  if (removed > 0) await ctx.audit.record({ type: 'trusted_devices_revoked', outcome: 'info', userId, reasons: [reason, `count=${removed}`] });
  return removed;
}
