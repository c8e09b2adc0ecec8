import { existsSync } from 'node:fs';

/** Where a CLI command reads and acts: MongoDB, the audit file, or a running node over its Redis. */
export type CliStore =
  | { kind: 'mongo'; uri: string }
  | { kind: 'audit-file'; path: string }
  | { kind: 'node'; redisUrl: string; keyPrefix: string; timeoutMs: number };

/** `factors` commands need bindings and factors; `audit` commands the audit trail. */
export type CliStoreNeed = 'factors' | 'audit';

const KINDS = ['mongo', 'audit-file', 'node'] as const;
const NODE_HINT =
  'REDIS_URL (and REDIS_KEY_PREFIX) of a running node that listens for admin commands (guard.listenForAdminCommands(); the demo does when REDIS_URL is set)';

/**
 * The one place the CLI decides where `factors` and `audit` commands go, from the environment:
 * STEPGUARD_CLI_STORE (mongo | audit-file | node) when set, otherwise the first configured of
 * MONGODB_URI, STEPGUARD_AUDIT_FILE (audit only) and REDIS_URL. Every refusal names the variable
 * and the fix.
 */
export function cliStoreFor(need: CliStoreNeed, env: NodeJS.ProcessEnv): { ok: true; store: CliStore } | { ok: false; message: string } {
  const chosen = env.STEPGUARD_CLI_STORE || undefined;
  if (chosen !== undefined && !(KINDS as readonly string[]).includes(chosen)) {
    return { ok: false, message: `STEPGUARD_CLI_STORE: "${chosen}" is not a store; use mongo, audit-file or node (or unset it to pick from MONGODB_URI, STEPGUARD_AUDIT_FILE and REDIS_URL)` };
  }
  const order: (typeof KINDS)[number][] = chosen ? [chosen as (typeof KINDS)[number]] : need === 'audit' ? ['mongo', 'audit-file', 'node'] : ['mongo', 'node'];
  if (need === 'factors' && chosen === 'audit-file') {
    return { ok: false, message: `STEPGUARD_CLI_STORE=audit-file holds no factors: use mongo (MONGODB_URI) or node (${NODE_HINT})` };
  }
  for (const kind of order) {
    if (kind === 'mongo' && env.MONGODB_URI) return { ok: true, store: { kind, uri: env.MONGODB_URI } };
    if (kind === 'audit-file' && env.STEPGUARD_AUDIT_FILE) {
      const path = env.STEPGUARD_AUDIT_FILE;
      if (!existsSync(path)) return { ok: false, message: `STEPGUARD_AUDIT_FILE: no file at "${path}": set it to the file the server appends its audit trail to (its own STEPGUARD_AUDIT_FILE)` };
      return { ok: true, store: { kind, path } };
    }
    if (kind === 'node' && env.REDIS_URL) {
      const keyPrefix = env.REDIS_KEY_PREFIX || 'sg';
      if (!/^[a-zA-Z0-9_.-]{1,32}$/.test(keyPrefix)) return { ok: false, message: `REDIS_KEY_PREFIX: "${keyPrefix}" must be the nodes' key prefix: 1-32 letters, digits, "_", "." or "-"` };
      const seconds = env.STEPGUARD_NODE_TIMEOUT_SECONDS ? Number(env.STEPGUARD_NODE_TIMEOUT_SECONDS) : 10;
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) return { ok: false, message: 'STEPGUARD_NODE_TIMEOUT_SECONDS must be a number of seconds between 0 and 600 (default 10)' };
      return { ok: true, store: { kind, redisUrl: env.REDIS_URL, keyPrefix, timeoutMs: seconds * 1000 } };
    }
  }
  if (chosen) {
    const variable = chosen === 'mongo' ? 'MONGODB_URI' : chosen === 'audit-file' ? 'STEPGUARD_AUDIT_FILE' : 'REDIS_URL';
    return { ok: false, message: `STEPGUARD_CLI_STORE=${chosen} needs ${variable}, which is not set` };
  }
  return {
    ok: false,
    message:
      need === 'factors'
        ? `no store for factors: MONGODB_URI and REDIS_URL are not set. Set MONGODB_URI (factors in MongoDB), or ${NODE_HINT}`
        : `no audit store: MONGODB_URI, STEPGUARD_AUDIT_FILE and REDIS_URL are not set. Set MONGODB_URI (audit in MongoDB), STEPGUARD_AUDIT_FILE (the server's audit file), or ${NODE_HINT}; or verify an export with --file`,
  };
}
