import type { AuditWriter } from '../audit/createAuditWriter';
import type { Logger, StepGuardConfig } from '../config';
import type { StepGuardMetrics } from '../metrics/createMetrics';
import type { PumpingGuard } from '../sms/createPumpingGuard';
import type { SmsRouter } from '../sms/createSmsRouter';
import type { StepGuardStores } from '../stores/types';
import type { StatsRecorder } from './createStatsRecorder';

/** What every service function works with: the frozen config and the injected collaborators. */
export type ServiceContext = {
  config: StepGuardConfig;
  stores: StepGuardStores;
  sms: SmsRouter;
  pumping: PumpingGuard;
  metrics: StepGuardMetrics;
  audit: AuditWriter;
  logger: Logger | undefined;
  /** This node's stats sums (the metrics feed them); absent in contexts built without one (a memory recorder is made). */
  stats?: StatsRecorder;
};

/** The purpose of a challenge that proves a new number receives codes (not a step-up). */
export const PHONE_BIND_PURPOSE = 'phone_bind';
