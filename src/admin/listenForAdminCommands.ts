import type { Cluster, Redis } from 'ioredis';
import type { StepGuardConfig } from '../config';
import { adminMessageDigest, deriveAdminKey, openAdminMessage, sealAdminMessage } from '../core/admin/adminMessageSeal';
import { StepGuardConfigError } from '../errors';
import type { StepGuardService } from '../service/createStepGuardService';
import { ADMIN_CHANNEL_LIMITS, ADMIN_COMMANDS, COMMAND_ID, adminChannelKeys, adminCommandEnvelope, type AdminCommandName, type AdminRefusal, type AdminReply } from './adminCommands';
import { executeAdminCommand } from './executeAdminCommand';

export type AdminCommandChannelOptions = {
  /** The node's Redis (an ioredis client or Cluster). @default the guard's `stores.redis` */
  redis?: Redis | Cluster;
  /** Prefix of the channel's keys; the CLI's REDIS_KEY_PREFIX. @default the guard's `stores.keyPrefix`, else 'sg' */
  keyPrefix?: string;
};

export type AdminCommandListener = {
  /** Stops taking commands (a command being executed finishes first). */
  close(): Promise<void>;
};

type GuardParts = { config: StepGuardConfig; service: StepGuardService };

/** How long one blocking pop waits before the loop looks whether it was closed. */
const POP_SECONDS = 2;

/**
 * The node's end of the admin command channel (`stepguard factors ...` and `audit ...` with
 * REDIS_URL): takes sealed commands from a Redis list, one node per command, and runs the
 * allow-listed ones through this guard's service. Whoever can write to Redis still cannot command
 * a node: a command must carry a MAC under a key derived from the pepper (checked before it is
 * read), use a fresh id (single use across all nodes, taken as soon as the MAC verifies), be
 * within a minute of the node's clock, be small, and name an allow-listed command with valid
 * arguments. Every refusal is logged and, where the message names a well-formed id, answered as
 * a sealed refusal that names the digest of the exact message refused: the CLI takes only
 * replies to its own message, so a forged message naming a real command's id makes no answer
 * the CLI believes (red team #17: it used to make the CLI report "refused" for a reset that then
 * ran). Only the node that took an id answers it with anything but "replayed".
 */
export function listenForAdminCommands(guard: GuardParts, options: AdminCommandChannelOptions = {}): AdminCommandListener {
  const { config, service } = guard;
  const storeChoice = typeof config.stores === 'object' && !('custom' in config.stores) ? config.stores : undefined;
  const redis = (options.redis ?? storeChoice?.redis) as Redis | Cluster | undefined;
  if (!redis) {
    throw new StepGuardConfigError(
      'listenForAdminCommands: no Redis to listen on. Pass { redis } (the ioredis client or Cluster your nodes share, the one the CLI reaches with REDIS_URL), or build the guard with stores: { redis }.',
    );
  }
  const keyPrefix = options.keyPrefix ?? storeChoice?.keyPrefix ?? 'sg';
  if (!/^[a-zA-Z0-9_.-]{1,32}$/.test(keyPrefix)) throw new StepGuardConfigError(`listenForAdminCommands: keyPrefix "${keyPrefix}" must be 1-32 letters, digits, "_", "." or "-".`);
  const keys = adminChannelKeys(keyPrefix);
  const commandKey = deriveAdminKey(config.secrets.pepper, 'command');
  const replyKey = deriveAdminKey(config.secrets.pepper, 'reply');
  const logger = config.logger;
  // Blocking pops hold their connection: they get one of their own, without a command timeout.
  const blocking = duplicateForBlocking(redis);
  let closed = false;

  const reply = async (chunk: AdminReply): Promise<void> => {
    const key = keys.reply(chunk.id);
    await redis.multi().rpush(key, sealAdminMessage(replyKey, chunk)).pexpire(key, ADMIN_CHANNEL_LIMITS.replyTtlMs).exec();
  };
  const refuse = async (to: { id: string; answers: string } | null, reason: AdminRefusal, cmd?: string): Promise<void> => {
    logger?.warn({ event: 'admin_command_refused', reason, ...(cmd ? { cmd: cmd.slice(0, 64) } : {}) }, 'An admin command was refused');
    if (to) await reply({ ...to, seq: 0, last: true, ok: false, reason });
  };

  const handle = async (message: string): Promise<void> => {
    if (message.length > ADMIN_CHANNEL_LIMITS.maxCommandBytes) return refuse(null, 'oversize');
    const answers = adminMessageDigest(message);
    const opened = openAdminMessage(commandKey, message);
    if (!opened.ok) {
      // Answered, bound to this message's digest: the CLI that sent it (its pepper differs) sees an
      // answer it cannot open and concludes at once; the CLI of a real command with this id (the
      // message forged) sees an answer to another message and ignores it.
      const id = unverifiedIdOf(message);
      return refuse(id ? { id, answers } : null, opened.reason);
    }
    const envelope = adminCommandEnvelope.safeParse(opened.body);
    if (!envelope.success) return refuse(null, 'malformed');
    const { id, ts, cmd } = envelope.data;
    const to = { id, answers };
    // Taken once, atomically, by whichever node sees it first, before any other check: every
    // other node (or a copy) gets "replayed", which the CLI ignores, so the one answer it reads
    // (stale, bad arguments, or the result) is from the node that decided.
    const fresh = await redis.set(keys.used(id), 'node', 'PX', ADMIN_CHANNEL_LIMITS.usedMarkMs, 'NX');
    if (fresh !== 'OK') return refuse(to, 'replayed', cmd);
    if (Math.abs(config.clock.nowMs() - ts) > ADMIN_CHANNEL_LIMITS.windowMs) return refuse(to, 'stale', cmd);
    if (!Object.prototype.hasOwnProperty.call(ADMIN_COMMANDS, cmd)) return refuse(to, 'unknown_command', cmd);
    const name = cmd as AdminCommandName;
    const args = ADMIN_COMMANDS[name].safeParse(envelope.data.args);
    if (!args.success) return refuse(to, 'bad_arguments', cmd);
    logger?.info({ event: 'admin_command', cmd: name, id }, 'Running an admin command');
    let seq = 0;
    try {
      for await (const lines of executeAdminCommand(service, name, args.data)) {
        await waitForReader(keys.reply(id));
        await reply({ id, answers, seq, last: false, ok: true, data: lines });
        seq += 1;
      }
    } catch (err) {
      logger?.error({ event: 'admin_command_failed', cmd: name, id, error: err instanceof Error ? err.message : String(err) }, 'An admin command failed');
      await reply({ id, answers, seq, last: true, ok: false, reason: 'failed' });
      return;
    }
    await reply({ id, answers, seq, last: true, ok: true, data: [] });
  };

  // A long export waits while the CLI has many chunks unread, rather than filling Redis.
  const waitForReader = async (replyList: string): Promise<void> => {
    for (let waitedMs = 0; (await redis.llen(replyList)) >= ADMIN_CHANNEL_LIMITS.maxUnreadChunks; waitedMs += 50) {
      if (waitedMs > ADMIN_CHANNEL_LIMITS.replyTtlMs / 2 || closed) throw new Error('the CLI stopped reading the reply');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const loop = (async () => {
    while (!closed) {
      let message: string | undefined;
      try {
        const popped = await blocking.brpop(keys.commands, POP_SECONDS);
        message = popped?.[1];
      } catch (err) {
        if (closed) break;
        logger?.warn({ event: 'admin_channel_unavailable', error: err instanceof Error ? err.message : String(err) }, 'The admin command channel cannot reach Redis; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (message === undefined) continue;
      // One command's failure (Redis gone mid-reply) never ends the loop.
      await handle(message).catch((err: unknown) => {
        logger?.error({ event: 'admin_command_failed', error: err instanceof Error ? err.message : String(err) }, 'An admin command could not be answered');
      });
    }
  })();

  return {
    close: async () => {
      closed = true;
      blocking.disconnect();
      await loop;
    },
  };
}

/** The id a message whose MAC does not verify names, if well-formed: its refusal goes there (bound to the message's digest). */
function unverifiedIdOf(message: string): string | null {
  try {
    const body = JSON.parse(message.slice(message.indexOf('.', message.indexOf('.') + 1) + 1)) as { id?: unknown };
    return typeof body?.id === 'string' && COMMAND_ID.test(body.id) ? body.id : null;
  } catch {
    return null;
  }
}

function duplicateForBlocking(redis: Redis | Cluster): Redis | Cluster {
  const client: Redis | Cluster = redis.isCluster
    ? (redis as Cluster).duplicate([], { redisOptions: { ...(redis as Cluster).options.redisOptions, commandTimeout: undefined } })
    : (redis as Redis).duplicate({ commandTimeout: undefined, enableOfflineQueue: true, lazyConnect: false });
  client.on('error', () => undefined);
  return client;
}
