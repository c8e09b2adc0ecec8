import type { StepGuardService } from '../service/createStepGuardService';
import { toAuditLine } from '../audit/auditEventLines';
import { ADMIN_CHANNEL_LIMITS, type AdminCommandArgs, type AdminCommandName } from './adminCommands';

/** What `factors list` prints, one JSON line each: the number (masked) first, then each factor. */
export function factorLines(phone: string | null, factors: Awaited<ReturnType<StepGuardService['listFactors']>>): string[] {
  return [
    ...(phone ? [JSON.stringify({ type: 'sms', phone })] : []),
    ...factors.map((f) =>
      JSON.stringify({ type: f.type, id: f.id, label: f.label, createdAt: new Date(f.createdAtMs).toISOString(), lastUsedAt: f.lastUsedAtMs ? new Date(f.lastUsedAtMs).toISOString() : null }),
    ),
  ];
}

/**
 * Runs one allow-listed, already verified command through the node's service, exactly as the
 * app's own paths do (a reset goes through resetFactor: the factor-change path with its audit,
 * cool-off, revocations and the owner's notice over the node's SMS provider). Yields the answer
 * in chunks (an export can be long); each chunk is a list of output lines.
 */
export async function* executeAdminCommand<C extends AdminCommandName>(service: StepGuardService, cmd: C, args: AdminCommandArgs<C>): AsyncIterable<string[]> {
  switch (cmd) {
    case 'factors.list': {
      const { user } = args as AdminCommandArgs<'factors.list'>;
      yield factorLines(await service.maskedPhoneOf(user), await service.listFactors(user));
      return;
    }
    case 'factors.reset': {
      const a = args as AdminCommandArgs<'factors.reset'>;
      const result = await service.resetFactor({ userId: a.user, factor: a.factor, reason: a.reason, admin: a.admin });
      yield [`reset ${a.factor} for ${a.user}: ${result.removed} removed`];
      return;
    }
    case 'audit.export': {
      const a = args as AdminCommandArgs<'audit.export'>;
      let chunk: string[] = [];
      for await (const event of service.auditEvents({
        ...(a.user !== undefined ? { userId: a.user } : {}),
        ...(a.sinceMs !== undefined ? { sinceMs: a.sinceMs } : {}),
        ...(a.untilMs !== undefined ? { untilMs: a.untilMs } : {}),
      })) {
        chunk.push(toAuditLine(event));
        if (chunk.length >= ADMIN_CHANNEL_LIMITS.eventsPerChunk) {
          yield chunk;
          chunk = [];
        }
      }
      yield chunk;
      return;
    }
    default:
      throw new Error(`executeAdminCommand: "${String(cmd)}" is not an admin command`);
  }
}
