import type { RequestContext } from '../audit/createAuditWriter';
import { newRandomId } from '../core/random';
import type { TrustedDevice } from '../stores/types';
import type { ServiceContext } from './ServiceContext';
import type { FactorChangeRefusal, SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';
import { authorizeFactorChange } from './authorizeFactorChange';

/**
 * Remembers this device for `trustedDevices.days` after a successful second factor. Trust lets
 * a device skip low-risk step-ups, so it passes the binding rule like a factor (a factor added
 * during the cool-off cannot grant it); it starts no cool-off and texts nobody, but it is
 * audited and the host's hook hears of it.
 */
export async function trustDevice(
  ctx: ServiceContext,
  input: { userId: string; label: string; proof: SessionProof; context?: RequestContext },
): Promise<{ ok: true; device: TrustedDevice } | FactorChangeRefusal> {
  const nowMs = ctx.config.clock.nowMs();
  const device: TrustedDevice = {
    id: newRandomId(ctx.config.random),
    userId: input.userId,
    label: input.label.slice(0, 80),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + ctx.config.trustedDevices.days * 86_400_000,
  };
  const outcome = await changeFactors(
    ctx,
    { userId: input.userId, actor: { proof: input.proof }, change: { op: 'trust_device' }, kind: 'device_trusted', ...(input.context ? { context: input.context } : {}) },
    async () => {
      await ctx.stores.trustedDevices.add(device, nowMs);
      return { ok: true as const, value: device };
    },
  );
  return outcome.ok ? { ok: true, device } : outcome;
}

/**
 * The user forgets one remembered device, or all: as sensitive as a factor change (the binding
 * rule), so a password alone cannot strip the owner's devices; audited.
 */
export async function forgetTrustedDevices(
  ctx: ServiceContext,
  input: { userId: string; proof: SessionProof; deviceId?: string; context?: RequestContext },
): Promise<{ ok: true; removed: number } | FactorChangeRefusal> {
  const allowed = await authorizeFactorChange(ctx, { userId: input.userId, proof: input.proof, change: { op: 'revoke_access' } });
  if (!allowed.ok) return allowed;
  if (input.deviceId === undefined) return { ok: true, removed: await revokeAllTrustedDevices(ctx, input.userId, 'user_request') };
  const revoked = await ctx.stores.trustedDevices.revoke(input.userId, input.deviceId);
  if (revoked) await ctx.audit.record({ type: 'trusted_device_revoked', outcome: 'success', userId: input.userId, ...(input.context ? { context: input.context } : {}) });
  return { ok: true, removed: revoked ? 1 : 0 };
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
