import type { Connection } from 'mongoose';
import { fromAuditLine } from '../audit/auditEventLines';
import type { AuditEvent } from '../core/audit/auditChain';
import { createMongoStores } from '../stores/mongo/createMongoStores';
import { FileAuditStore } from '../stores/file/FileAuditStore';
import type { AuditFilter } from '../stores/types';
import type { CliStore } from './cliStoreFor';
import { openNodeChannel } from './openNodeChannel';

/**
 * The audit events `audit export` and `audit verify` read, from wherever cliStoreFor chose:
 * MongoDB, the audit file, or a running node (which exports them over the admin channel; the CLI
 * verifies them itself, so a node cannot vouch for its own trail). `close` ends the connection.
 */
export async function auditEventsFrom(
  store: CliStore,
  filter: AuditFilter,
  deps: { connectMongo: () => Promise<Connection>; pepper: () => string },
): Promise<{ events: AsyncIterable<AuditEvent>; close(): Promise<void> }> {
  if (store.kind === 'audit-file') return { events: new FileAuditStore(store.path).list(filter), close: async () => undefined };
  if (store.kind === 'mongo') {
    const connection = await deps.connectMongo();
    return { events: createMongoStores(connection).audit.list(filter), close: () => connection.close().catch(() => undefined) };
  }
  const channel = await openNodeChannel(store, deps.pepper());
  async function* events(): AsyncIterable<AuditEvent> {
    let n = 0;
    for await (const lines of channel.run('audit.export', {
      ...(filter.userId !== undefined ? { user: filter.userId } : {}),
      ...(filter.sinceMs !== undefined ? { sinceMs: filter.sinceMs } : {}),
      ...(filter.untilMs !== undefined ? { untilMs: filter.untilMs } : {}),
    })) {
      for (const line of lines) yield fromAuditLine(line, (n += 1));
    }
  }
  return { events: events(), close: () => channel.close() };
}
