#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createConnection, type Connection } from 'mongoose';
import { fromAuditLine, toAuditLine } from '../audit/auditEventLines';
import { verifyAuditEvents } from '../audit/verifyAuditEvents';
import { deriveAuditKey, type AuditEvent } from '../core/audit/auditChain';
import { createStepGuard } from '../createStepGuard';
import { createMongoStores, ensureMongoIndexes } from '../stores/mongo/createMongoStores';
import { createRedisClient } from '../stores/redis/createRedisClient';
import type { RedisLike } from '../stores/redis/scripts';

/**
 * The admin command line: audit verify/export, factor list/reset, recovery show/cancel/shorten.
 * Exit codes: 0 done, 1 an audit chain is broken (or no pending recovery to change), 2 bad
 * arguments or missing configuration, 3 the store failed.
 */
const HELP: Record<string, string> = {
  main: `stepguard — stepguard's admin command line

Usage:
  stepguard audit verify [--user ID] [--file EXPORT.jsonl] [--retention-days N]
  stepguard audit export [--user ID] [--since DATE] [--until DATE]
  stepguard factors list --user ID
  stepguard factors reset --user ID --factor sms|totp|webauthn|backup_codes --reason TEXT [--admin NAME]
  stepguard recovery show --user ID
  stepguard recovery cancel --user ID --reason TEXT [--admin NAME]
  stepguard recovery shorten --user ID --hours N --reason TEXT [--admin NAME]

Environment: MONGODB_URI (the store), STEPGUARD_PEPPER (the audit MAC key; the server's value),
REDIS_URL and REDIS_KEY_PREFIX (the app's Redis: a reset revokes the user's sessions and starts
the account cool-off there).
Every command takes --help.`,
  'audit verify': `stepguard audit verify [--user ID] [--file EXPORT.jsonl] [--retention-days N]

Checks every audit chain (or one user's): each event's MAC, its link to the previous event and
the sequence. Prints the first broken link of each broken chain and exits 1 if there is one.
Reads MongoDB (MONGODB_URI), or a full export file with --file. Needs STEPGUARD_PEPPER. A chain
may begin after seq 1 only where retention (--retention-days, default 400) removed its start.`,
  'audit export': `stepguard audit export [--user ID] [--since DATE] [--until DATE]

Writes audit events as JSON lines to stdout, ordered by chain and sequence. DATE is ISO 8601
(2026-01-31 or 2026-01-31T12:00:00Z). A progress count goes to stderr when it is a terminal.`,
  'factors list': `stepguard factors list --user ID

Lists the user's phone number (masked) and enrolled factors as JSON lines.`,
  'factors reset': `stepguard factors reset --user ID --factor F --reason TEXT [--admin NAME]

Removes the user's factor F (sms = the phone number, totp, webauthn, backup_codes). Audited as an
admin action with the reason; --admin defaults to $USER.`,
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

function parseFlags(args: string[], allowed: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const name = arg.slice(2);
    if (!allowed.includes(name)) throw new UsageError(`unknown option --${name} (allowed: ${allowed.map((a) => `--${a}`).join(', ')})`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
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
  try {
    switch (key) {
      case 'audit verify': {
        const flags = parseFlags(rest, ['user', 'file', 'retention-days']);
        const retentionDays = flags['retention-days'] === undefined ? 400 : Number(flags['retention-days']);
        if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new UsageError('--retention-days must be a whole number of days');
        const auditKey = deriveAuditKey(required('STEPGUARD_PEPPER'));
        let source: AsyncIterable<AuditEvent>;
        if (flags.file) {
          source = onlyUser(readExport(flags.file), flags.user);
        } else {
          connection = await connect();
          source = createMongoStores(connection).audit.list(flags.user ? { userId: flags.user } : {});
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
        connection = await connect();
        let count = 0;
        for await (const event of createMongoStores(connection).audit.list({
          ...(flags.user ? { userId: flags.user } : {}),
          ...(sinceMs !== undefined ? { sinceMs } : {}),
          ...(untilMs !== undefined ? { untilMs } : {}),
        })) {
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
          const phone = await guard.service.maskedPhoneOf(flags.user);
          if (phone) out.write(`${JSON.stringify({ type: 'sms', phone })}\n`);
          for (const f of await guard.service.listFactors(flags.user)) {
            out.write(`${JSON.stringify({ type: f.type, id: f.id, label: f.label, createdAt: new Date(f.createdAtMs).toISOString(), lastUsedAt: f.lastUsedAtMs ? new Date(f.lastUsedAtMs).toISOString() : null })}\n`);
          }
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
    } else {
      process.stderr.write(`stepguard: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 3;
    }
  },
);
