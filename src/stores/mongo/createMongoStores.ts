import type { Connection } from 'mongoose';
import type { StepGuardStores } from '../types';
import { MongoAuditStore } from './MongoAuditStore';
import { MongoFactorStore } from './MongoFactorStore';
import { MongoPhoneBindingStore } from './MongoPhoneBindingStore';
import { MongoEnrolmentStore } from './MongoEnrolmentStore';
import { enrolmentModel } from './models/enrolmentModel';
import { auditEventModel } from './models/auditEventModel';
import { factorModel } from './models/factorModel';
import { phoneBindingModel } from './models/phoneBindingModel';

/** What must last, in MongoDB: phone bindings, enrolled factors, enrolment answers and the audit trail. */
export function createMongoStores(connection: Connection): Pick<StepGuardStores, 'phones' | 'factors' | 'enrolment' | 'audit'> {
  return {
    phones: new MongoPhoneBindingStore(connection),
    factors: new MongoFactorStore(connection),
    enrolment: new MongoEnrolmentStore(connection),
    audit: new MongoAuditStore(connection),
  };
}

/** Builds the indexes the stores rely on (the unique ones enforce invariants). Call at start-up. */
export async function ensureMongoIndexes(connection: Connection): Promise<void> {
  await Promise.all([phoneBindingModel(connection).syncIndexes(), factorModel(connection).syncIndexes(), enrolmentModel(connection).syncIndexes(), auditEventModel(connection).syncIndexes()]);
}
