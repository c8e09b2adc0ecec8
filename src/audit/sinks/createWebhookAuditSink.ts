import { createHmac } from 'node:crypto';
import type { RandomSource } from '../../core/random';
import { newRandomId } from '../../core/random';
import type { Clock } from '../../core/clock';
import type { AuditSink } from './AuditSink';
import { toStreamObject } from './auditStreamRecord';
import { createDeliveryQueue, queueSettingsOf } from './createDeliveryQueue';

export type WebhookAuditSinkOptions = {
  name: string;
  url: string;
  /** The HMAC key the receiver checks `X-Stepguard-Signature` with. */
  secret: string;
  maxQueue: number;
  maxBatch: number;
  timeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
};

/** The header names, for receivers. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-stepguard-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-stepguard-timestamp';
export const WEBHOOK_BATCH_ID_HEADER = 'x-stepguard-batch-id';

/**
 * The signature of one delivery: `sha256=` + hex HMAC-SHA256(secret, `<timestamp>.<raw body>`).
 * The timestamp (Unix seconds, also sent as `X-Stepguard-Timestamp`) is inside the MAC so a
 * receiver can refuse old replays; it stays the same on retries of the same batch.
 */
export function signWebhookBody(secret: string, timestampSeconds: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`;
}

/**
 * POSTs batches of audit records as `{"batchId": ..., "records": [...]}` (each record carries
 * its `id`: the receiver deduplicates on it, since a batch whose answer was lost is sent
 * again). Any answer but 2xx, a timeout or a refused connection is retried with backoff;
 * records wait in a bounded queue meanwhile.
 */
export function createWebhookAuditSink(
  options: WebhookAuditSinkOptions,
  deps: { clock: Clock; random: RandomSource; onDropped: (count: number) => void; onError?: (err: unknown, attempt: number) => void; sleep?: (ms: number) => Promise<void> },
): AuditSink {
  // The signed body of a batch is fixed at its first try, so a retry is byte-identical.
  const signed = new WeakMap<object, { body: string; timestampSeconds: number; batchId: string }>();
  const queue = createDeliveryQueue({
    ...queueSettingsOf(options, deps),
    deliver: async (batch) => {
      let request = signed.get(batch);
      if (!request) {
        const batchId = newRandomId(deps.random);
        const body = JSON.stringify({ batchId, records: batch.map(toStreamObject) });
        request = { body, timestampSeconds: Math.floor(deps.clock.nowMs() / 1000), batchId };
        signed.set(batch, request);
      }
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_TIMESTAMP_HEADER]: String(request.timestampSeconds),
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(options.secret, request.timestampSeconds, request.body),
          [WEBHOOK_BATCH_ID_HEADER]: request.batchId,
        },
        body: request.body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // The body is not needed, and a hostile receiver could send it without end: cancelled
      // unread (the connection closes; the next batch opens another) rather than buffered.
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status > 299) throw new Error(`webhook answered ${response.status}`);
    },
  });
  return {
    name: options.name,
    publish: (record) => queue.push(record),
    close: (timeoutMs = 5000) => queue.close(timeoutMs),
  };
}
