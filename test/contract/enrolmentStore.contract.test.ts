import { randomUUID } from 'node:crypto';
import { createConnection, type Connection } from 'mongoose';
import { describeStoreContract } from '../../src/stores/contract';
import { MemoryEnrolmentStore } from '../../src/stores/memory/MemoryEnrolmentStore';
import { MongoEnrolmentStore } from '../../src/stores/mongo/MongoEnrolmentStore';
import { ensureMongoIndexes } from '../../src/stores/mongo/createMongoStores';

/** The enrolment port (src/stores/contract/enrolmentStoreContract.ts) on memory, and MongoDB when MONGODB_URI is set. */
const runner = { describe, it };

describeStoreContract('memory', () => ({ stores: { enrolment: new MemoryEnrolmentStore() } }), runner, { ports: ['enrolment'] });

const MONGODB_URI = process.env.MONGODB_URI;
if (MONGODB_URI) {
  describeStoreContract(
    'mongo',
    async () => {
      const connection: Connection = await createConnection(MONGODB_URI, { dbName: `stepguard_test_${randomUUID().slice(0, 8)}` }).asPromise();
      await ensureMongoIndexes(connection);
      return {
        stores: { enrolment: new MongoEnrolmentStore(connection) },
        close: async () => {
          await connection.dropDatabase();
          await connection.close();
        },
      };
    },
    runner,
    { ports: ['enrolment'] },
  );
}
