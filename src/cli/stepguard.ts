#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createConnection, type Connection } from 'mongoose';
import { AuditLineError, fromAuditLine, toAuditLine } from '../audit/auditEventLines';
import { oneLineTextProblem } from '../core/admin/oneLineTextProblem';
import { verifyAuditEvents } from '../audit/verifyAuditEvents';
import { verifyAuditStreamFile } from '../audit/verifyAuditStream';
import { deriveAuditKey, type AuditEvent } from '../core/audit/auditChain';
import { createStepGuard } from '../createStepGuard';
import { ensureMongoIndexes } from '../stores/mongo/createMongoStores';
import { createRedisClient } from '../stores/redis/createRedisClient';
import type { RedisLike } from '../stores/redis/scripts';
import { AdminChannelError } from '../admin/sendAdminCommand';
import { factorLines } from '../admin/executeAdminCommand';
import { auditEventsFrom } from './auditEventsFrom';
import { cliStoreFor, type CliStoreNeed } from './cliStoreFor';
import { openNodeChannel } from './openNodeChannel';

/**
 * The admin command line: audit verify/export, factor list/reset, recovery show/cancel/shorten.
 * Exit codes: 0 done, 1 an audit chain is broken (or no pending recovery to change), 2 bad
 * arguments or missing configuration, 3 the store failed, 4 no node answered (REDIS_URL), 5 the
 * node refused the command.
 */
const HELP: Record<string, string> = {
  main: `stepguard — stepguard's admin command line

Usage:
  stepguard audit verify [--user ID] [--file EXPORT.jsonl] [--retention-days N]
  stepguard audit verify --stream STREAM.jsonl
  stepguard audit export [--user ID] [--since DATE] [--until DATE]
  stepguard factors list --user ID
  stepguard factors reset --user ID --factor sms|totp|webauthn|backup_codes --reason TEXT [--admin NAME]
  stepguard recovery show --user ID
  stepguard recovery cancel --user ID --reason TEXT [--admin NAME]
  stepguard recovery shorten --user ID --hours N --reason TEXT [--admin NAME]

Where factors and audit commands go (the first that is set, or STEPGUARD_CLI_STORE=mongo|audit-file|node):
  MONGODB_URI           bindings, factors and the audit trail in MongoDB (with REDIS_URL and
                        REDIS_KEY_PREFIX, a reset also revokes sessions and starts the cool-off there)
  STEPGUARD_AUDIT_FILE  the server's audit file (audit export and verify)
  REDIS_URL             a running node, through its Redis (REDIS_KEY_PREFIX, default sg): the node
                        runs the command through its service (notices sent by its SMS provider).
                        The node must listen (guard.listenForAdminCommands()); commands are MAC'd
                        with a key derived from STEPGUARD_PEPPER, so it must be the server's.
                        STEPGUARD_NODE_TIMEOUT_SECONDS (default 10) bounds the wait.
STEPGUARD_PEPPER is the server's value (the audit MAC key, the command channel's key).
Exit codes: 0 done, 1 a broken audit chain, 2 bad arguments or configuration, 3 the store failed,
4 no node answered in time, 5 the node refused the command.
Every command takes --help.`,
  'audit verify': `stepguard audit verify [--user ID] [--file EXPORT.jsonl] [--retention-days N]
       stepguard audit verify --stream STREAM.jsonl

With --stream: proves that what an audit sink's receiver stored (JSON lines of events and
checkpoints, in any order between chains, retried duplicates included) is complete up to each
chain's last checkpoint and untampered; prints the first problem per chain, exits 1 on any.
Each streaming process numbers its checkpoint rounds and says how many chains each vouches for,
so a chain taken out whole, or a round, is reported. Limit: records after a process's last
round in the file (a copy cut there, or a whole process's stream left out) cannot be proven
missing. A line with a field no MAC covers, or a ts that is not its tsMs, is reported.

Checks every audit chain (or one user's): each event's MAC, its link to the previous event and
the sequence. Prints the first broken link of each broken chain and exits 1 if there is one.
Reads a full export file with --file, or MongoDB (MONGODB_URI), the server's audit file
(STEPGUARD_AUDIT_FILE), or a running node's trail (REDIS_URL: the node exports, this command
verifies). Needs STEPGUARD_PEPPER. A chain may begin after seq 1 only where retention
(--retention-days, default 400) removed its start.`,
  'audit export': `stepguard audit export [--user ID] [--since DATE] [--until DATE]

Writes audit events as JSON lines to stdout, ordered by chain and sequence. DATE is ISO 8601
(2026-01-31 or 2026-01-31T12:00:00Z). A progress count goes to stderr when it is a terminal.
Reads MongoDB (MONGODB_URI), the server's audit file (STEPGUARD_AUDIT_FILE) or a running node
(REDIS_URL; needs STEPGUARD_PEPPER).`,
  'factors list': `stepguard factors list --user ID

Lists the user's phone number (masked) and enrolled factors as JSON lines, from MongoDB
(MONGODB_URI) or a running node (REDIS_URL).`,
  'factors reset': `stepguard factors reset --user ID --factor F --reason TEXT [--admin NAME]

Removes the user's factor F (sms = the phone number, totp, webauthn, backup_codes) through the
factor-change path: audited as an admin action with the reason (--admin defaults to $USER), the
account cool-off started, the user's sessions and trusted devices revoked, the user told.
With REDIS_URL a running node does it, and its SMS provider sends the user's notice. With
MONGODB_URI the CLI does it and sends no SMS (the notice is audited as not sent).`,
  'recovery show': `stepguard recovery show --user ID

Prints the user's self-service recovery (pending, or ended and still kept) as one JSON line, or
nothing. Needs REDIS_URL (where the app keeps recoveries).`,
  'recovery cancel': `stepguard recovery cancel --user ID --reason TEXT [--admin NAME]

Cancels the user's pending self-service recovery: it can no longer complete. Audited as an admin
action with the reason; --admin defaults to $USER. Needs MONGODB_URI and REDIS_URL. The CLI sends
no SMS: the cancellation is audited and the app's onSecurityEvent is not called from here.`,
  'recovery shorten': `stepguard recovery shorten --user ID --hours N --reason TEXT [--admin NAME]

Lets the user's pending recovery complete N hours from now at the latest (never later than it
would). The owner is still reminded and keeps recovery.remindBeforeHours after the reminder to
cancel: the app sends it on its next request or sweep (the CLI sends no SMS), so the end is at
least that long after it. Audited as an admin action with the reason. Needs MONGODB_URI and REDIS_URL.`,
};

class UsageError extends Error {}

type Flags = Record<string, string>;

/** Free-text options and their longest accepted length (as the command channel accepts them). */
const FREE_TEXT_LIMITS: Record<string, number> = { reason: 500, admin: 100 };

function parseFlags(args: string[], allowed: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const name = arg.slice(2);
    if (!allowed.includes(name)) throw new UsageError(`unknown option --${name} (allowed: ${allowed.map((a) => `--${a}`).join(', ')})`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    // The free texts land in the audit trail: one line of plain text, bounded, checked here so a
    // bad one is a usage error (exit 2) before any store or node is asked.
    const limit = FREE_TEXT_LIMITS[name];
    if (limit !== undefined) {
      const problem = oneLineTextProblem(value);
      if (problem) throw new UsageError(`--${name} ${problem}`);
      if (value.length > limit) throw new UsageError(`--${name} is longer than ${limit} characters`);
    }
    flags[name] = value;
    i += 1;
  }
  return flags;
}

function parseDate(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO 8601 date such as 2026-01-31, got "${value}"`);
  return ms;
}

function required(env: string): string {
  const value = process.env[env];
  if (!value) throw new UsageError(`${env} is not set`);
  return value;
}

async function connect(): Promise<Connection> {
  const connection = await createConnection(required('MONGODB_URI'), { serverSelectionTimeoutMS: 5000 }).asPromise();
  await ensureMongoIndexes(connection);
  return connection;
}

/** Where a factors or audit command goes (cliStoreFor); a missing or wrong setting is a usage error (exit 2). */
function storeFor(need: CliStoreNeed) {
  const chosen = cliStoreFor(need, process.env);
  if (!chosen.ok) throw new UsageError(chosen.message);
  return chosen.store;
}

async function* readExport(path: string): AsyncIterable<AuditEvent> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (line.trim() !== '') yield fromAuditLine(line, n);
  }
}

async function* onlyUser(events: AsyncIterable<AuditEvent>, userId: string | undefined): AsyncIterable<AuditEvent> {
  for await (const e of events) if (userId === undefined || e.userId === userId) yield e;
}

async function run(argv: string[], out: NodeJS.WriteStream, err: NodeJS.WriteStream): Promise<number> {
  const [group, command, ...rest] = argv;
  const key = group && command ? `${group} ${command}` : 'main';
  if (!group || group === '--help' || group === 'help') {
    out.write(`${HELP.main}\n`);
    return group ? 0 : 2;
  }
  if (!HELP[key]) throw new UsageError(`unknown command "${[group, command].filter(Boolean).join(' ')}"`);
  if (rest.includes('--help')) {
    out.write(`${HELP[key]}\n`);
    return 0;
  }
  let connection: Connection | undefined;
  let redis: RedisLike | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  try {
    switch (key) {
      case 'audit verify': {
        const flags = parseFlags(rest, ['user', 'file', 'retention-days', 'stream']);
        const retentionDays = flags['retention-days'] === undefined ? 400 : Number(flags['retention-days']);
        if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new UsageError('--retention-days must be a whole number of days');
        const auditKey = deriveAuditKey(required('STEPGUARD_PEPPER'));
        // A stream stored by an audit sink's receiver: its own proof (src/audit/verifyAuditStream.ts).
        if (flags.stream) return await verifyAuditStreamFile(auditKey, flags.stream, out);
        let source: AsyncIterable<AuditEvent>;
        if (flags.file) {
          source = onlyUser(readExport(flags.file), flags.user);
        } else {
          const opened = await auditEventsFrom(storeFor('audit'), flags.user ? { userId: flags.user } : {}, { connectMongo: connect, pepper: () => required('STEPGUARD_PEPPER') });
          closeStore = opened.close;
          source = opened.events;
        }
        const report = await verifyAuditEvents(auditKey, source, Date.now() - retentionDays * 86_400_000);
        for (const b of report.breaks) {
          out.write(`BROKEN chain ${b.chainId}: event ${b.eventId} (seq ${b.seq}): ${b.problem.replace(/_/g, ' ')}\n`);
        }
        out.write(`${report.breaks.length ? 'FAILED' : 'OK'}: ${report.chains} chains, ${report.events} events, ${report.breaks.length} broken\n`);
        return report.breaks.length ? 1 : 0;
      }
      case 'audit export': {
        const flags = parseFlags(rest, ['user', 'since', 'until']);
        const sinceMs = parseDate(flags.since, 'since');
        const untilMs = parseDate(flags.until, 'until');
        const opened = await auditEventsFrom(
          storeFor('audit'),
          {
            ...(flags.user ? { userId: flags.user } : {}),
            ...(sinceMs !== undefined ? { sinceMs } : {}),
            ...(untilMs !== undefined ? { untilMs } : {}),
          },
          { connectMongo: connect, pepper: () => required('STEPGUARD_PEPPER') },
        );
        closeStore = opened.close;
        let count = 0;
        for await (const event of opened.events) {
          if (!out.write(`${toAuditLine(event)}\n`)) await new Promise((r) => out.once('drain', r));
          count += 1;
          if (err.isTTY && count % 500 === 0) err.write(`\rexported ${count} events`);
        }
        if (err.isTTY) err.write(`\rexported ${count} events\n`);
        return 0;
      }
      case 'factors list':
      case 'factors reset': {
        const flags = parseFlags(rest, key === 'factors list' ? ['user'] : ['user', 'factor', 'reason', 'admin']);
        if (!flags.user) throw new UsageError('--user is required');
        if (key === 'factors reset') {
          if (!flags.factor || !['sms', 'totp', 'webauthn', 'backup_codes'].includes(flags.factor)) {
            throw new UsageError('--factor must be one of sms, totp, webauthn, backup_codes');
          }
          if (!flags.reason || flags.reason.trim().length < 3) throw new UsageError('--reason is required (why the factor is reset)');
        }
        const pepper = required('STEPGUARD_PEPPER');
        const store = storeFor('factors');
        if (store.kind === 'node') {
          // The node runs it through its own service: rules, cool-off, revocations, audit and the user's notice.
          const channel = await openNodeChannel(store, pepper);
          closeStore = () => channel.close();
          const lines =
            key === 'factors list'
              ? channel.run('factors.list', { user: flags.user })
              : channel.run('factors.reset', { user: flags.user, factor: flags.factor as 'sms', reason: flags.reason as string, admin: flags.admin ?? process.env.USER ?? 'unknown' });
          for await (const chunk of lines) for (const line of chunk) out.write(`${line}\n`);
          return 0;
        }
        connection = await connect();
        if (process.env.REDIS_URL) redis = await createRedisClient(process.env.REDIS_URL);
        else if (key === 'factors reset') {
          // The reset still happens, but the app would not see its sessions revoked nor its cool-off.
          process.stderr.write('WARNING: REDIS_URL is not set: the user\'s sessions are NOT revoked and the account cool-off is NOT recorded where the app reads it.\n');
        }
        const guard = createStepGuard({
          // Not 'production': the CLI encrypts nothing, so it needs no encryption key.
          environment: 'development',
          stores: { mongo: connection, ...(redis ? { redis, keyPrefix: process.env.REDIS_KEY_PREFIX || 'sg' } : {}) },
          secrets: { pepper, sessionSecret: pepper },
          sms: { provider: { name: 'none', send: async () => ({ providerMessageId: 'none', status: 'failed' }) } },
        });
        if (key === 'factors list') {
          for (const line of factorLines(await guard.service.maskedPhoneOf(flags.user), await guard.service.listFactors(flags.user))) out.write(`${line}\n`);
          return 0;
        }
        const result = await guard.service.resetFactor({
          userId: flags.user,
          factor: flags.factor as 'sms',
          reason: flags.reason as string,
          admin: flags.admin ?? process.env.USER ?? 'unknown',
        });
        out.write(`reset ${flags.factor} for ${flags.user}: ${result.removed} removed\n`);
        return 0;
      }
      case 'recovery show':
      case 'recovery cancel':
      case 'recovery shorten': {
        const allowed = key === 'recovery show' ? ['user'] : key === 'recovery cancel' ? ['user', 'reason', 'admin'] : ['user', 'hours', 'reason', 'admin'];
        const flags = parseFlags(rest, allowed);
        if (!flags.user) throw new UsageError('--user is required');
        if (key !== 'recovery show' && (!flags.reason || flags.reason.trim().length < 3)) throw new UsageError('--reason is required (why the recovery is changed)');
        const hours = Number(flags.hours);
        if (key === 'recovery shorten' && (flags.hours === undefined || !Number.isFinite(hours) || hours < 0)) throw new UsageError('--hours must be a number of hours >= 0');
        // Recoveries live where the app keeps what expires: without the app's Redis there is nothing to act on.
        if (!process.env.REDIS_URL) throw new UsageError('REDIS_URL is not set (recoveries live in the app\'s Redis)');
        const pepper = required('STEPGUARD_PEPPER');
        if (key !== 'recovery show') connection = await connect();
        redis = await createRedisClient(process.env.REDIS_URL);
        const guard = createStepGuard({
          environment: 'development',
          stores: { ...(connection ? { mongo: connection } : {}), redis, keyPrefix: process.env.REDIS_KEY_PREFIX || 'sg' },
          secrets: { pepper, sessionSecret: pepper },
          sms: { provider: { name: 'none', send: async () => ({ providerMessageId: 'none', status: 'failed' }) } },
        });
        const admin = flags.admin ?? process.env.USER ?? 'unknown';
        if (key === 'recovery show') {
          const recovery = await guard.service.recoveryOf(flags.user);
          if (recovery) out.write(`${JSON.stringify(recovery)}\n`);
          return 0;
        }
        const result =
          key === 'recovery cancel'
            ? await guard.service.cancelRecovery({ userId: flags.user, actor: { admin, reason: flags.reason as string } })
            : await guard.service.shortenRecovery({ userId: flags.user, hours, admin, reason: flags.reason as string, deferNotices: true });
        if (!result.ok) {
          err.write(`no pending recovery for ${flags.user}\n`);
          return 1;
        }
        out.write(`${key === 'recovery cancel' ? 'cancelled' : 'shortened'} recovery ${result.recovery.id} for ${flags.user}; completes ${new Date(result.recovery.completesAtMs).toISOString()}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${key}"`);
    }
  } finally {
    await closeStore?.().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await redis?.quit().catch(() => undefined);
  }
}

run(process.argv.slice(2), process.stdout, process.stderr).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`stepguard: ${error.message}\nRun "stepguard --help" for usage.\n`);
      process.exitCode = 2;
    } else if (error instanceof AuditLineError) {
      process.stderr.write(`stepguard: the audit events read are not intact: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof AdminChannelError) {
      process.stderr.write(`stepguard: ${error.message}\n`);
      process.exitCode = error.kind === 'timeout' ? 4 : 5;
    } else {
      process.stderr.write(`stepguard: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 3;
    }
  },
);
