import type { Logger, StepGuardConfig } from '../config';
import type { SmsProvider } from '../sms/types';
import type { StepGuardStores } from '../stores/types';

/** What every service function works with: the frozen config and the injected collaborators. */
export type ServiceContext = {
  config: StepGuardConfig;
  stores: StepGuardStores;
  smsProvider: SmsProvider;
  logger: Logger | undefined;
};
