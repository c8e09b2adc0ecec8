import type { RequestContext } from '../audit/createAuditWriter';
import { generateBackupCodes, hashBackupCode, normalizeBackupCode } from '../core/backup-codes/backupCodes';
import { newRandomId } from '../core/random';
import { secondsUntil } from './sendSmsChallenge';
import type { ServiceContext } from './ServiceContext';
import { sendSecurityNotice } from './sendSecurityNotice';
import type { FactorChangeRefusal, SessionProof } from './authorizeFactorChange';
import { changeFactors } from './changeFactors';
import { alertLockout } from './alertLockout';

const BACKUP_CODE_COUNT = 10;

/**
 * A new set of backup codes, shown once: only keyed hashes are stored, and the old set is gone.
 * A factor change like any other (changeFactors): the binding rule, audit, cool-off, notices.
 */
export async function regenerateBackupCodes(
  ctx: ServiceContext,
  input: { userId: string; proof: SessionProof; context?: RequestContext },
): Promise<{ ok: true; codes: string[] } | FactorChangeRefusal> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const codes = generateBackupCodes(config.random, BACKUP_CODE_COUNT);
  const hashes = codes.map((c) => hashBackupCode(config.secrets.pepper, normalizeBackupCode(c) as string));
  const setId = newRandomId(config.random);
  const hadSet = (await stores.factors.list(input.userId, 'backup_codes')).length > 0;
  const outcome = await changeFactors(
    ctx,
    {
      userId: input.userId,
      actor: { proof: input.proof },
      change: hadSet ? { op: 'replace', factor: 'backup' } : { op: 'add', factor: 'backup' },
      kind: 'backup_codes_regenerated',
      newRef: setId,
      ...(input.context ? { context: input.context } : {}),
    },
    async () => {
      await stores.factors.removeAll(input.userId, 'backup_codes');
      await stores.factors.add({ id: setId, userId: input.userId, type: 'backup_codes', label: 'Backup codes', createdAtMs: nowMs, lastUsedAtMs: null, data: { hashes } });
      return { ok: true as const, value: codes };
    },
  );
  return outcome.ok ? { ok: true, codes } : outcome;
}

/** Uses one backup code: atomically, so of concurrent submissions of one code exactly one wins. */
export async function verifyBackupCode(
  ctx: ServiceContext,
  input: { userId: string; code: string; context?: RequestContext },
): Promise<{ ok: true; verifiedAtMs: number; remaining: number; ref: string } | { ok: false; reason: 'invalid_code' | 'not_enrolled' | 'invalid_request' } | { ok: false; reason: 'locked'; retryAfterSeconds: number }> {
  const { config, stores } = ctx;
  const nowMs = config.clock.nowMs();
  const canonical = normalizeBackupCode(input.code);
  if (!canonical) return { ok: false, reason: 'invalid_request' };
  const [set] = await stores.factors.list(input.userId, 'backup_codes');
  if (!set) return { ok: false, reason: 'not_enrolled' };
  const reserved = await stores.challenges.reserveFactorAttempt(input.userId, nowMs, config.lockout);
  if (!reserved.ok) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
  const audit = (type: string, outcome: 'success' | 'failure', reasons: string[] = []) =>
    ctx.audit.record({ type, outcome, userId: input.userId, factor: 'backup', reasons, ...(input.context ? { context: input.context } : {}) });
  if (!(await stores.factors.pull(input.userId, set.id, 'hashes', hashBackupCode(config.secrets.pepper, canonical)))) {
    await audit(reserved.lockedUntilMs !== null ? 'second_factor_locked' : 'backup_code_failed', 'failure', ['invalid_code']);
    if (reserved.lockedUntilMs !== null) {
      await alertLockout(ctx, input.userId, 'backup');
      return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(reserved.lockedUntilMs, nowMs) };
    }
    return { ok: false, reason: 'invalid_code' };
  }
  await stores.challenges.clearFailures(input.userId);
  const [after] = await stores.factors.list(input.userId, 'backup_codes');
  const remaining = Array.isArray(after?.data.hashes) ? after.data.hashes.length : 0;
  await audit('backup_code_used', 'success', [`remaining=${remaining}`]);
  await stores.factors.update(input.userId, set.id, { lastUsedAtMs: nowMs });
  await notify(ctx, input.userId, 'backupCodeUsed');
  return { ok: true, verifiedAtMs: nowMs, remaining, ref: set.id };
}

async function notify(ctx: ServiceContext, userId: string, template: 'backupCodeUsed'): Promise<void> {
  const binding = await ctx.stores.phones.getActive(userId);
  if (!binding) return;
  await sendSecurityNotice(ctx, { userId, to: binding.e164, country: binding.country, template });
}
