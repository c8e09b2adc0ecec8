import type { Writable } from 'node:stream';
import type { AuditSink } from './AuditSink';
import { toStreamLine } from './auditStreamRecord';

/**
 * Each record as one JSON line on a writable stream (stdout by default), for a log shipper
 * that already collects the process's output. The stream buffers; a write error is reported,
 * never thrown into the request that caused the record.
 */
export function createJsonLinesAuditSink(options: { name: string; stream: Writable }, deps: { onError?: (err: unknown) => void } = {}): AuditSink {
  const { stream } = options;
  return {
    name: options.name,
    publish(record) {
      try {
        stream.write(`${toStreamLine(record)}\n`);
      } catch (err) {
        deps.onError?.(err);
      }
    },
    async close() {
      // stdout is the process's, never ended here; other streams are the caller's to end.
      if (stream.writableNeedDrain) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    },
  };
}
