import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliStoreFor } from '../../src/cli/cliStoreFor';

/** The CLI's one place that picks a store for `factors` and `audit` commands (issue 17 item 5). */
const auditFile = join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl');
writeFileSync(auditFile, '');
const ALL = { MONGODB_URI: 'mongodb://db/x', STEPGUARD_AUDIT_FILE: auditFile, REDIS_URL: 'redis://r:6379' };

describe('cliStoreFor', () => {
  it.each([
    ['audit', ALL, 'mongo'],
    ['audit', { ...ALL, MONGODB_URI: undefined }, 'audit-file'],
    ['audit', { REDIS_URL: ALL.REDIS_URL }, 'node'],
    ['factors', ALL, 'mongo'],
    ['factors', { STEPGUARD_AUDIT_FILE: auditFile, REDIS_URL: ALL.REDIS_URL }, 'node'],
    ['factors', { ...ALL, STEPGUARD_CLI_STORE: 'node' }, 'node'],
    ['audit', { ...ALL, STEPGUARD_CLI_STORE: 'audit-file' }, 'audit-file'],
  ] as const)('%s with %j goes to %s', (need, env, kind) => {
    const chosen = cliStoreFor(need, env);
    expect(chosen.ok && chosen.store.kind).toBe(kind);
  });

  it('defaults the node channel to the prefix sg and a 10 s wait', () => {
    expect(cliStoreFor('factors', { REDIS_URL: ALL.REDIS_URL })).toEqual({ ok: true, store: { kind: 'node', redisUrl: ALL.REDIS_URL, keyPrefix: 'sg', timeoutMs: 10_000 } });
  });

  it.each([
    [{ REDIS_URL: ALL.REDIS_URL, STEPGUARD_NODE_TIMEOUT_SECONDS: 'soon' }, /STEPGUARD_NODE_TIMEOUT_SECONDS must be a number of seconds/],
    [{ REDIS_URL: ALL.REDIS_URL, STEPGUARD_NODE_TIMEOUT_SECONDS: '0' }, /STEPGUARD_NODE_TIMEOUT_SECONDS/],
    [{ STEPGUARD_CLI_STORE: 'mongo' }, /STEPGUARD_CLI_STORE=mongo needs MONGODB_URI, which is not set/],
    [{ STEPGUARD_CLI_STORE: 'Mongo', MONGODB_URI: 'mongodb://db/x' }, /"Mongo" is not a store/],
  ])('refuses %j naming the variable', (env, message) => {
    const chosen = cliStoreFor('audit', env);
    expect(chosen.ok ? 'accepted' : chosen.message).toMatch(message);
  });
});
