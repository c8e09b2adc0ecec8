import type { Request, Response } from 'express';
import { errorBody, StepGuardConfigError } from '../errors';
import type { StepGuardMetrics } from '../metrics/createMetrics';
import { signaturesMatch } from '../sms/providers/receiptSignatures';
import { isWeakSecret } from '../core/crypto/isWeakSecret';

export type MetricsHandlerOptions = {
  /** When set, scrapers must send `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /**
   * Serve `/metrics` to anyone. Under NODE_ENV=production the handler refuses to be built
   * without a `bearerToken` unless this says the endpoint is meant to be open (e.g. a network
   * policy already keeps it private). @default false
   */
  public?: boolean;
};

/**
 * `GET /metrics` in Prometheus' text format. In production it must be protected or explicitly
 * public: the counters tell an attacker which countries and rules are blocking them.
 */
export function createMetricsHandler(metrics: StepGuardMetrics, options: MetricsHandlerOptions = {}, context: { environment?: string } = {}) {
  if (context.environment === 'production') checkProductionMetrics(options);
  return async (req: Request, res: Response): Promise<void> => {
    if (options.bearerToken && !signaturesMatch(`Bearer ${options.bearerToken}`, req.headers.authorization)) {
      res.status(401).json(errorBody('unauthenticated'));
      return;
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

function checkProductionMetrics(options: MetricsHandlerOptions): void {
  if (options.bearerToken) {
    if (options.bearerToken.length < 32 || isWeakSecret(options.bearerToken).weak) {
      throw new StepGuardConfigError(
        'metricsHandler({ bearerToken }): too weak for production; use at least 32 random characters (`openssl rand -base64 32`).',
      );
    }
    return;
  }
  if (options.public === true) return;
  throw new StepGuardConfigError(
    'metricsHandler({ bearerToken }): required when NODE_ENV=production, or /metrics is open to anyone. Pass a bearerToken ' +
      '(scrapers send `Authorization: Bearer <token>`), or metricsHandler({ public: true }) when a network policy already keeps it private.',
  );
}
