import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { adminMessageDigest, deriveAdminKey, openAdminMessage, sealAdminMessage } from '../core/admin/adminMessageSeal';
import { ADMIN_CHANNEL_LIMITS, adminChannelKeys, type AdminCommandArgs, type AdminCommandName, type AdminReply } from './adminCommands';

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
  unknown_command: 'the node does not know that command (an older stepguard?)',
  bad_arguments: 'the node found its arguments invalid',
  failed: 'the node could not run it (see the node\'s log: admin_command_failed)',
};

/**
 * The CLI's end of the admin command channel: seals one command, queues it for the nodes, and
 * yields the answer's chunks (lists of output lines) from the node that took it. Throws an
 * AdminChannelError when no node answers within `timeoutMs` (a command no node took is
 * withdrawn first, so it cannot run later) or when the node refuses it.
 *
 * Whoever can write to the nodes' Redis can write to the reply list too, so only a reply sealed
 * under the pepper's reply key, naming this command's id and the digest of this exact message
 * (adminMessageDigest), in order, counts. Anything else is ignored (red team #17: a refusal the
 * node sealed for a forged message naming this id made the CLI report "refused" for a reset that
 * then ran), and so is "replayed" (this CLI sends an id once: a copy was seen, and the node that
 * took the id first answers). Each wait has its own limit, which ignored replies do not extend.
 *
 * A command is withdrawn by taking its id's single-use mark, as a node does before it runs one:
 * when that succeeds no node has run it and none ever will (a copy someone popped and holds is
 * refused as replayed), so "will not run" is a fact, not a guess. A reply this CLI cannot open
 * while no node has taken the id can only come from a node whose pepper differs (it refused the
 * command) or from something else with Redis access; either way the command is withdrawn and
 * reported refused (exit 5), naming the pepper as the likely cause.
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
  const answers = adminMessageDigest(message);
  const replyKey = deriveAdminKey(input.pepper, 'reply');
  const seconds = Math.round(input.timeoutMs / 100) / 10;
  /** Takes the id's single-use mark: true when no node had taken it, so it never runs now. */
  const withdraw = async (): Promise<boolean> => {
    const taken = (await input.redis.set(keys.used(id), 'cli', 'PX', ADMIN_CHANNEL_LIMITS.usedMarkMs, 'NX')) === 'OK';
    // The queued message, if still there, would only be refused as replayed: take it away.
    if (taken) await input.redis.lrem(keys.commands, 1, message);
    return taken;
  };
  let ignored = 0;
  const ignoredNote = () => (ignored > 0 ? ` (${ignored} ${ignored === 1 ? 'answer' : 'answers'} not for this command ignored: something else that can write to this Redis may be interfering)` : '');
  await input.redis.lpush(keys.commands, message);
  let deadlineMs = Date.now() + input.timeoutMs;
  for (let seq = 0; ; ) {
    const remainingMs = deadlineMs - Date.now();
    const popped = remainingMs > 0 ? await input.redis.blpop(keys.reply(id), Math.max(remainingMs, 10) / 1000) : null;
    if (!popped) {
      if (seq === 0 && (await withdraw())) {
        throw new AdminChannelError('timeout', `no node took the command within ${seconds} s (withdrawn: it will not run). Is a node running with the admin command channel on (guard.listenForAdminCommands()), on this REDIS_URL and REDIS_KEY_PREFIX ("${input.keyPrefix}")?${ignoredNote()}`);
      }
      throw new AdminChannelError('timeout', `a node took the command but gave no ${seq === 0 ? 'answer' : 'further answer'} within ${seconds} s: it may still have run; check the node's log and the audit trail.${ignoredNote()}`);
    }
    const opened = openAdminMessage(replyKey, popped[1]);
    if (!opened.ok) {
      if (seq === 0 && (await withdraw())) {
        throw new AdminChannelError('refused', 'the node\'s answer does not verify: most likely STEPGUARD_PEPPER here is not the node\'s (else something that can write to this Redis wrote it). The command did not run and now will not.');
      }
      ignored += 1;
      continue;
    }
    const chunk = opened.body as AdminReply;
    if (chunk?.id !== id || chunk.answers !== answers || chunk.seq !== seq || (!chunk.ok && chunk.reason === 'replayed')) {
      ignored += 1;
      continue;
    }
    if (!chunk.ok) throw new AdminChannelError('refused', `the node refused the command (${chunk.reason}): ${REFUSAL_TEXT[chunk.reason] ?? chunk.reason}.`);
    if (!Array.isArray(chunk.data) || !chunk.data.every((l) => typeof l === 'string')) throw new AdminChannelError('refused', 'the node\'s answer is malformed.');
    seq += 1;
    if (chunk.data.length > 0) yield chunk.data as string[];
    if (chunk.last) return;
    // The wait for the next chunk starts now (the caller may have taken its time with this one).
    deadlineMs = Date.now() + input.timeoutMs;
  }
}
