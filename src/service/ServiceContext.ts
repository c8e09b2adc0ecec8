import type { AuditWriter } from '../audit/createAuditWriter';
import type { Logger, StepGuardConfig } from '../config';
import type { SmsProvider } from '../sms/types';
import type { StepGuardStores } from '../stores/types';

/** What every service function works with: the frozen config and the injected collaborators. */
export type ServiceContext = {
  config: StepGuardConfig;
  stores: StepGuardStores;
  smsProvider: SmsProvider;
  audit: AuditWriter;
  logger: Logger | undefined;
};

/** The purpose of a challenge that proves a new number receives codes (not a step-up). */
export const PHONE_BIND_PURPOSE = 'phone_bind';
