import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mongoose';
import { auditMac, type AuditEvent } from '../../src/core/audit/auditChain';
import { describeStoreContract } from '../../src/stores/contract';
import type { StoreContractPort } from '../../src/stores/contract';
import { FileAuditStore } from '../../src/stores/file/FileAuditStore';
import { createMemoryDurableStores } from '../../src/stores/memory/createMemoryStores';
import { createMongoStores, ensureMongoIndexes } from '../../src/stores/mongo/createMongoStores';

/** The durable ports (src/stores/contract/durableStoreContract.ts) on memory, memory with the audit file, and MongoDB when MONGODB_URI is set. */
const PORTS: StoreContractPort[] = ['phones', 'factors', 'audit'];
const runner = { describe, it };
const T0 = Date.UTC(2026, 0, 1);

describeStoreContract('memory', () => ({ stores: createMemoryDurableStores() }), runner, { ports: PORTS });
describeStoreContract(
  'memory + audit file',
  () => ({ stores: { ...createMemoryDurableStores(), audit: new FileAuditStore(join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl')) } }),
  runner,
  { ports: PORTS },
);

function auditEvent(chainId: string, seq: number): AuditEvent {
  const unsigned = {
    id: randomUUID(), chainId, seq, tsMs: T0 + seq, type: 't', userId: chainId, actor: 'user', outcome: 'info' as const, reasons: [],
    requestId: null, ip: null, userAgent: null, deviceId: null, factor: null, action: null, phoneMasked: null, phoneHash: null, country: null, prevMac: '', prevTsMs: null,
  };
  return { ...unsigned, mac: auditMac('k', unsigned) };
}

describe('FileAuditStore', () => {
  it('picks up its chains again after a restart', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stepguard-audit-')), 'audit.jsonl');
    const first = new FileAuditStore(path);
    const e1 = auditEvent('a', 1);
    await first.insert(e1);
    const second = new FileAuditStore(path);
    expect(await second.head('a')).toEqual({ seq: 1, mac: e1.mac, tsMs: e1.tsMs });
    expect(await second.insert({ ...auditEvent('a', 1), id: randomUUID() })).toBe('conflict');
  });
});

const MONGODB_URI = process.env.MONGODB_URI;
if (MONGODB_URI) {
  describeStoreContract(
    'mongo',
    async () => {
      const connection: Connection = await createConnection(MONGODB_URI, { dbName: `stepguard_test_${randomUUID().slice(0, 8)}` }).asPromise();
      await ensureMongoIndexes(connection);
      return {
        stores: createMongoStores(connection),
        close: async () => {
          await connection.dropDatabase();
          await connection.close();
        },
      };
    },
    runner,
    { ports: PORTS },
  );
} else {
  console.warn('SKIPPED (MONGODB_URI not set): durable store contract: mongo. Run `docker compose run --rm test` for the MongoDB suite.');
  describe.skip('durable store contract: mongo', () => it('needs MONGODB_URI', () => undefined));
}
