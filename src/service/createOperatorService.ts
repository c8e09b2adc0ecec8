import type { RequestContext } from '../audit/createAuditWriter';
import { verifyAuditEvents } from '../audit/verifyAuditEvents';
import { deriveAuditKey, type AuditEvent, type ChainBreak } from '../core/audit/auditChain';
import { maskPhone } from '../core/phone/maskPhone';
import { resetFactor, type ResettableFactor } from './resetFactor';
import { revokeAllSessions, sessionGenerationOf } from './sessions';
import type { ServiceContext } from './ServiceContext';

/** What the admin console shows of one account: masked, never a number, secret or session id. */
export type OperatorAccountView = {
  userId: string;
  username: string | null;
  phone: { masked: string; country: string | null; boundAtMs: number; changedAtMs: number | null } | null;
  factors: { id: string; type: string; label: string; createdAtMs: number; lastUsedAtMs: number | null }[];
  trustedDevices: { id: string; label: string; createdAtMs: number; expiresAtMs: number }[];
  /** Sessions are not listed by the stores: the generation says how often all were revoked. */
  sessionGeneration: number;
  coolOffUntilMs: number | null;
  lockedUntilMs: number | null;
  consecutiveFailures: number;
  recoveryPending: boolean;
};

export type OperatorAuditTrail = { events: AuditEvent[]; verified: { ok: boolean; events: number; breaks: ChainBreak[] } };

/** Who acts and why: written into every support action's audit record as `admin:<operatorId>` and `reason=...`. */
export type OperatorActor = { operatorId: string; reason: string; context?: RequestContext };

export type OperatorService = {
  /** Whether stepguard or the host knows the account (the host's getIdentity, else any factor, binding or audit event). */
  accountExists(userId: string): Promise<boolean>;
  accountView(userId: string): Promise<OperatorAccountView>;
  /** The newest `limit` events of the user's chain, the whole chain verified (retention explains a missing start). */
  auditTrail(userId: string, limit: number): Promise<OperatorAuditTrail>;
  /** Through changeFactors: the factor-change effects, notices and audit apply. */
  resetFactor(input: OperatorActor & { userId: string; factor: ResettableFactor }): Promise<{ removed: number }>;
  /** Clears the consecutive-failure count and the second-factor lock; audited and told to the host. */
  unlockSecondFactor(input: OperatorActor & { userId: string }): Promise<{ wasLocked: boolean }>;
  /** Ends every session and forgets every trusted device of the user; audited with the operator. */
  revokeAccess(input: OperatorActor & { userId: string }): Promise<{ trustedDevicesRemoved: number }>;
};

/** The support desk's side of the service: what guard.adminRouter() calls, never a store directly. */
export function createOperatorService(ctx: ServiceContext): OperatorService {
  const { config, stores } = ctx;
  const auditKey = deriveAuditKey(config.secrets.pepper);
  const actorOf = (operatorId: string) => `admin:${operatorId}`;
  const reasonOf = (reason: string) => `reason=${reason.slice(0, 500)}`;

  return {
    async accountExists(userId) {
      if (config.getIdentity) return Boolean(await config.getIdentity(userId));
      const nowMs = config.clock.nowMs();
      if (await stores.phones.getActive(userId)) return true;
      if ((await stores.factors.list(userId)).length > 0) return true;
      // The fail-closed store wrapper hands the iterable back in a promise.
      for await (const _event of await stores.audit.list({ userId, sinceMs: nowMs - config.audit.retentionDays * 86_400_000 })) return true;
      return false;
    },

    async accountView(userId) {
      const nowMs = config.clock.nowMs();
      const [identity, phone, factors, devices, generation, coolOff, lockedUntilMs, failures, recovery] = await Promise.all([
        config.getIdentity ? config.getIdentity(userId) : null,
        stores.phones.getActive(userId),
        stores.factors.list(userId),
        stores.trustedDevices.list(userId, nowMs),
        sessionGenerationOf(ctx, userId),
        stores.coolOffs.get(userId, nowMs),
        stores.challenges.lockedUntil(userId, nowMs),
        stores.challenges.failureCount(userId, nowMs),
        stores.recoveries.get(userId, nowMs),
      ]);
      return {
        userId,
        username: identity?.username ?? null,
        phone: phone ? { masked: maskPhone(phone.e164), country: phone.country, boundAtMs: phone.boundAtMs, changedAtMs: phone.changedAtMs } : null,
        factors: factors.map((f) => ({ id: f.id, type: f.type, label: f.label, createdAtMs: f.createdAtMs, lastUsedAtMs: f.lastUsedAtMs })),
        trustedDevices: devices.map((d) => ({ id: d.id, label: d.label, createdAtMs: d.createdAtMs, expiresAtMs: d.expiresAtMs })),
        sessionGeneration: generation,
        coolOffUntilMs: coolOff && coolOff.untilMs > nowMs ? coolOff.untilMs : null,
        lockedUntilMs: lockedUntilMs !== null && lockedUntilMs > nowMs ? lockedUntilMs : null,
        consecutiveFailures: failures,
        recoveryPending: recovery !== null && recovery.status === 'pending',
      };
    },

    async auditTrail(userId, limit) {
      const nowMs = config.clock.nowMs();
      const prunedBeforeMs = nowMs - config.audit.retentionDays * 86_400_000;
      const chain: AuditEvent[] = [];
      for await (const event of await stores.audit.list({ userId })) if (event.chainId === userId) chain.push(event);
      const report = await verifyAuditEvents(auditKey, chain, prunedBeforeMs);
      const events = [...chain].sort((a, b) => b.seq - a.seq).slice(0, limit);
      return { events, verified: { ok: report.breaks.length === 0, events: report.events, breaks: report.breaks } };
    },

    resetFactor: (input) =>
      resetFactor(ctx, { userId: input.userId, factor: input.factor, reason: input.reason, admin: input.operatorId, ...(input.context ? { context: input.context } : {}) }),

    async unlockSecondFactor(input) {
      const nowMs = config.clock.nowMs();
      const lockedUntilMs = await stores.challenges.lockedUntil(input.userId, nowMs);
      await stores.challenges.clearFailures(input.userId);
      await ctx.audit.record({
        type: 'second_factor_unlocked',
        outcome: 'success',
        userId: input.userId,
        actor: actorOf(input.operatorId),
        reasons: [reasonOf(input.reason), `was_locked=${lockedUntilMs !== null && lockedUntilMs > nowMs}`],
        ...(input.context ? { context: input.context } : {}),
      });
      return { wasLocked: lockedUntilMs !== null && lockedUntilMs > nowMs };
    },

    async revokeAccess(input) {
      await revokeAllSessions(ctx, { userId: input.userId, reason: 'operator_revoked', actor: actorOf(input.operatorId), ...(input.context ? { context: input.context } : {}) });
      const removed = await stores.trustedDevices.revokeAll(input.userId);
      await ctx.audit.record({
        type: 'trusted_devices_revoked',
        outcome: 'success',
        userId: input.userId,
        actor: actorOf(input.operatorId),
        reasons: [reasonOf(input.reason), `count=${removed}`],
        ...(input.context ? { context: input.context } : {}),
      });
      return { trustedDevicesRemoved: removed };
    },
  };
}
