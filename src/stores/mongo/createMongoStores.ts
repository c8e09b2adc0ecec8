import type { Connection } from 'mongoose';
import type { StepGuardStores } from '../types';
import { MongoAuditStore } from './MongoAuditStore';
import { MongoFactorStore } from './MongoFactorStore';
import { MongoPhoneBindingStore } from './MongoPhoneBindingStore';
import { auditEventModel } from './models/auditEventModel';
import { factorModel } from './models/factorModel';
import { phoneBindingModel } from './models/phoneBindingModel';

/** What must last, in MongoDB: phone bindings, enrolled factors and the audit trail. */
export function createMongoStores(connection: Connection): Pick<StepGuardStores, 'phones' | 'factors' | 'audit'> {
  return {
    phones: new MongoPhoneBindingStore(connection),
    factors: new MongoFactorStore(connection),
    audit: new MongoAuditStore(connection),
  };
}

/** Builds the indexes the stores rely on (the unique ones enforce invariants). Call at start-up. */
export async function ensureMongoIndexes(connection: Connection): Promise<void> {
  await Promise.all([phoneBindingModel(connection).syncIndexes(), factorModel(connection).syncIndexes(), auditEventModel(connection).syncIndexes()]);
}
