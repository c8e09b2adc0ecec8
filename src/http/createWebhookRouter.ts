import express, { type Request, type Response, type Router } from 'express';
import { errorBody } from '../errors';
import type { GuardInternals } from './GuardInternals';

/**
 * `POST /:provider` delivery receipts. It needs the raw body (signatures cover the exact
 * bytes), no session and no CSRF token (providers have neither): mount it before body parsers
 * and CSRF middleware, at `<basePath>/webhooks`.
 */
export function createWebhookRouter(internals: GuardInternals): Router {
  const { service, config, logger } = internals;
  const router = express.Router();
  router.post(
    '/:provider',
    express.raw({ type: () => true, limit: '16kb' }),
    async (req: Request, res: Response, next: (err?: unknown) => void) => {
      try {
        if (!Buffer.isBuffer(req.body)) {
          logger?.error({ event: 'receipt_without_raw_body' }, 'Receipts need the raw body: mount guard.webhooks() before express.json()/urlencoded()');
          return void res.status(401).json(errorBody('unsigned_receipt'));
        }
        const provider = String(req.params.provider);
        const result = await service.applyDeliveryReceipt({
          provider,
          receipt: {
            rawBody: req.body,
            contentType: String(req.headers['content-type'] ?? ''),
            headers: req.headers,
            url: `${config.appOrigin}${req.originalUrl}`,
            nowMs: config.clock.nowMs(),
          },
        });
        if (!result.ok) {
          // Malformed-but-signed and unknown receipts read the same as unsigned ones: nothing changes.
          return void res.status(401).json(errorBody('unsigned_receipt'));
        }
        res.status(200).json({ ok: true, changed: result.changed });
      } catch (err) {
        next(err);
      }
    },
  );
  router.use(internals.errorHandler);
  return router;
}
