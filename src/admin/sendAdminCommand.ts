import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { deriveAdminKey, openAdminMessage, sealAdminMessage } from '../core/admin/adminMessageSeal';
import { adminChannelKeys, type AdminCommandArgs, type AdminCommandName, type AdminReply } from './adminCommands';

/** Why the admin channel gave no answer: no node answered in time (`timeout`), or a node said no (`refused`). */
export class AdminChannelError extends Error {
  override readonly name = 'AdminChannelError';
  constructor(
    readonly kind: 'timeout' | 'refused',
    message: string,
  ) {
    super(message);
  }
}

const REFUSAL_TEXT: Record<string, string> = {
  bad_mac: 'its MAC does not verify: STEPGUARD_PEPPER here is not the node\'s',
  stale: 'its time is more than a minute from the node\'s clock: check both clocks',
  replayed: 'its id was used before',
  unknown_command: 'the node does not know that command (an older stepguard?)',
  bad_arguments: 'the node found its arguments invalid',
  failed: 'the node could not run it (see the node\'s log: admin_command_failed)',
};

/**
 * The CLI's end of the admin command channel: seals one command, queues it for the nodes, and
 * yields the answer's chunks (lists of output lines) from the node that took it. Throws an
 * AdminChannelError when no node answers within `timeoutMs` (a command no node took is
 * withdrawn first, so it cannot run later) or when the node refuses it.
 */
export async function* sendAdminCommand<C extends AdminCommandName>(input: {
  redis: Redis;
  keyPrefix: string;
  pepper: string;
  cmd: C;
  args: AdminCommandArgs<C>;
  timeoutMs: number;
  nowMs?: number;
}): AsyncIterable<string[]> {
  const keys = adminChannelKeys(input.keyPrefix);
  const id = randomBytes(16).toString('hex');
  const message = sealAdminMessage(deriveAdminKey(input.pepper, 'command'), { id, ts: input.nowMs ?? Date.now(), cmd: input.cmd, args: input.args });
  const replyKey = deriveAdminKey(input.pepper, 'reply');
  await input.redis.lpush(keys.commands, message);
  for (let seq = 0; ; seq += 1) {
    const popped = await input.redis.blpop(keys.reply(id), input.timeoutMs / 1000);
    if (!popped) {
      const seconds = Math.round(input.timeoutMs / 100) / 10;
      if (seq === 0 && (await input.redis.lrem(keys.commands, 1, message)) === 1) {
        throw new AdminChannelError('timeout', `no node took the command within ${seconds} s (withdrawn: it will not run). Is a node running with the admin command channel on (guard.listenForAdminCommands()), on this REDIS_URL and REDIS_KEY_PREFIX ("${input.keyPrefix}")?`);
      }
      throw new AdminChannelError('timeout', `a node took the command but gave no ${seq === 0 ? 'answer' : 'further answer'} within ${seconds} s: it may still have run; check the node's log and the audit trail.`);
    }
    const opened = openAdminMessage(replyKey, popped[1]);
    if (!opened.ok) throw new AdminChannelError('refused', 'the node\'s answer does not verify: STEPGUARD_PEPPER here is not the node\'s (or something else wrote the reply).');
    const chunk = opened.body as AdminReply;
    if (chunk?.id !== id || chunk.seq !== seq) throw new AdminChannelError('refused', 'the node\'s answer is out of order or for another command.');
    if (!chunk.ok) throw new AdminChannelError('refused', `the node refused the command (${chunk.reason}): ${REFUSAL_TEXT[chunk.reason] ?? chunk.reason}.`);
    if (!Array.isArray(chunk.data) || !chunk.data.every((l) => typeof l === 'string')) throw new AdminChannelError('refused', 'the node\'s answer is malformed.');
    if (chunk.data.length > 0) yield chunk.data as string[];
    if (chunk.last) return;
  }
}
