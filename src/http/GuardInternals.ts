import type { ErrorRequestHandler, Request } from 'express';
import type { Logger, StepGuardConfig } from '../config';
import type { StepGuardService } from '../service/createStepGuardService';
import type { RiskEngine } from '../risk/createRiskEngine';
import type { Csrf } from './csrf';
import type { ViewRenderer } from './renderView';
import type { StepGuardSessionState } from './sessionState';

/** What the HTTP layer shares: built once by createStepGuard. */
export type GuardInternals = {
  config: StepGuardConfig;
  service: StepGuardService;
  csrf: Csrf;
  render: ViewRenderer;
  logger: Logger | undefined;
  risk: RiskEngine;
  ensureState(req: Request, userId: string): StepGuardSessionState;
  errorHandler: ErrorRequestHandler;
};
