import { z } from 'zod';
import { oneLineTextProblem } from '../core/admin/oneLineTextProblem';

/**
 * The admin command channel's contract, shared by the CLI (sendAdminCommand) and the node
 * (listenForAdminCommands): the allow-listed commands and their arguments, the limits, the
 * refusal reasons and the Redis keys. Nothing outside this list is ever executed.
 */
export const ADMIN_CHANNEL_LIMITS = {
  /** A sealed command larger than this is refused unread (the CLI's are a few hundred bytes). */
  maxCommandBytes: 4096,
  /** A command is accepted only this close to the node's clock, either way. */
  windowMs: 60_000,
  /** Replies expire after this. */
  replyTtlMs: 120_000,
  /**
   * A command id's single-use mark (taken by the node that runs the command, or by the CLI that
   * withdraws it) outlives the command's window with room to spare: while it exists no node runs
   * that id, and once it is gone the command is stale on any node whose clock is within a
   * minute or two of the CLI's.
   */
  usedMarkMs: 120_000 + 2 * 60_000,
  /** Audit events per reply chunk of an export. */
  eventsPerChunk: 200,
  /** Chunks an export may leave unread in Redis before the node waits for the CLI to read. */
  maxUnreadChunks: 32,
} as const;

const userId = z.string().min(1).max(256);

export const ADMIN_COMMANDS = {
  'factors.list': z.strictObject({ user: userId }),
  'factors.reset': z.strictObject({
    user: userId,
    factor: z.enum(['sms', 'totp', 'webauthn', 'backup_codes']),
    reason: z.string().trim().min(3).max(500).refine((text) => oneLineTextProblem(text) === null, 'must be one line of plain text'),
    // The operator's name stands in the audit trail beside the reason: plain text too.
    admin: z.string().min(1).max(100).refine((text) => oneLineTextProblem(text) === null, 'must be one line of plain text'),
  }),
  'audit.export': z.strictObject({
    user: userId.optional(),
    sinceMs: z.number().int().nonnegative().optional(),
    untilMs: z.number().int().nonnegative().optional(),
  }),
} as const;

export type AdminCommandName = keyof typeof ADMIN_COMMANDS;
export type AdminCommandArgs<C extends AdminCommandName> = z.infer<(typeof ADMIN_COMMANDS)[C]>;

export const COMMAND_ID = /^[0-9a-f]{32}$/;

export const adminCommandEnvelope = z.strictObject({
  id: z.string().regex(COMMAND_ID),
  ts: z.number().int(),
  cmd: z.string().max(64),
  args: z.unknown(),
});

export type AdminRefusal = 'oversize' | 'malformed' | 'bad_mac' | 'stale' | 'replayed' | 'unknown_command' | 'bad_arguments' | 'failed';

/**
 * One reply element: a chunk of the answer (`last` on the final one), or a refusal. `answers` is
 * the digest of the exact message it answers (adminMessageDigest): the CLI takes only replies
 * that answer its own message, so a forged message naming its id cannot speak for it.
 */
export type AdminReply =
  | { id: string; answers: string; seq: number; last: boolean; ok: true; data: unknown }
  | { id: string; answers: string; seq: number; last: true; ok: false; reason: AdminRefusal };

/** The channel's Redis keys: one hash tag, so they share a slot on Redis Cluster. */
export function adminChannelKeys(prefix: string) {
  const base = `${prefix}:{admin}`;
  return {
    /** Sealed commands; the CLI pushes on the left, exactly one node pops each on the right. */
    commands: `${base}:commands`,
    /**
     * Marks a command id as used (SET NX, usedMarkMs): a replay finds it taken. The node takes it
     * as soon as the MAC verifies, before any other check, so exactly one node answers an id
     * with anything but "replayed"; the CLI takes it to withdraw a command no node took.
     */
    used: (id: string) => `${base}:used:${id}`,
    /** The node's sealed reply chunks for one command, read by the CLI in order. */
    reply: (id: string) => `${base}:reply:${id}`,
  };
}
