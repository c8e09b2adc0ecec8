import type { Request, Response } from 'express';
import { errorBody } from '../errors';
import type { StepGuardMetrics } from '../metrics/createMetrics';
import { signaturesMatch } from '../sms/providers/receiptSignatures';

export type MetricsHandlerOptions = {
  /** When set, scrapers must send `Authorization: Bearer <token>`. */
  bearerToken?: string;
};

/** `GET /metrics` in Prometheus' text format. */
export function createMetricsHandler(metrics: StepGuardMetrics, options: MetricsHandlerOptions = {}) {
  return async (req: Request, res: Response): Promise<void> => {
    if (options.bearerToken && !signaturesMatch(`Bearer ${options.bearerToken}`, req.headers.authorization)) {
      res.status(401).json(errorBody('unauthenticated'));
      return;
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
