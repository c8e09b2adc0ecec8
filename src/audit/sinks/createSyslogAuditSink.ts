import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AuditStreamRecord } from './auditStreamRecord';
import type { RandomSource } from '../../core/random';
import type { AuditSink } from './AuditSink';
import { createDeliveryQueue, queueSettingsOf } from './createDeliveryQueue';
import { formatSyslogFrame } from './formatSyslogFrame';

/** How far back records are re-sent after a connection breaks (longer than a broken connection takes to notice on loopback or a LAN). */
const RESEND_WINDOW_MS = 10_000;

export type SyslogAuditSinkOptions = {
  name: string;
  host: string;
  port: number;
  /** HOSTNAME in each message. @default os.hostname() */
  hostname?: string;
  appName: string;
  facility: number;
  maxQueue: number;
  maxBatch: number;
  connectTimeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
};

/**
 * RFC 5424 messages over TCP with octet-counting framing (RFC 6587). One connection, opened on
 * the first record and again (with backoff) after it breaks. TCP syslog has no
 * acknowledgement: bytes written just before the listener went away are accepted by the kernel
 * and lost. So what was written in the last RESEND_WINDOW_MS before a connection broke is sent
 * again, ahead of anything newer, on the next connection: the receiver may see a record twice
 * (same id; `audit verify --stream` deduplicates), never a hole from an outage it noticed. A
 * listener that silently loses records it read is caught by the checkpoints.
 */
export function createSyslogAuditSink(
  options: SyslogAuditSinkOptions,
  deps: { random: RandomSource; onDropped: (count: number) => void; onError?: (err: unknown, attempt: number) => void; sleep?: (ms: number) => Promise<void> },
): AuditSink {
  const frameOptions = { hostname: options.hostname ?? hostname(), appName: options.appName, procId: String(process.pid), facility: options.facility };
  let socket: Socket | null = null;
  let closing = false;
  // What was written lately: if the connection then breaks, it may never have been read.
  let recent: { atMs: number; records: readonly AuditStreamRecord[] }[] = [];
  const onBroken = (s: Socket) => {
    if (socket === s) socket = null;
    if (closing) return;
    const cutoff = performance.now() - RESEND_WINDOW_MS;
    const again = recent.filter((r) => r.atMs >= cutoff).flatMap((r) => r.records);
    recent = [];
    // Sent again in front of everything newer: duplicates (same ids) rather than a hole.
    queue.requeue(again);
  };

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: options.host, port: options.port });
      s.setNoDelay(true);
      const timer = setTimeout(() => s.destroy(new Error('syslog connect timed out')), options.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeListener('error', reject);
        // Later errors (reset by the listener) only end this connection; the next batch reconnects.
        s.on('error', () => undefined);
        s.once('close', () => onBroken(s));
        // The listener has nothing to say; reading keeps the socket from filling up if it does.
        s.resume();
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });

  const queue = createDeliveryQueue({
    ...queueSettingsOf(options, deps),
    deliver: async (batch) => {
      if (!socket || socket.destroyed) socket = await open();
      const s = socket;
      const bytes = Buffer.concat(batch.map((record) => formatSyslogFrame(record, frameOptions)));
      await new Promise<void>((resolve, reject) => {
        s.write(bytes, (err) => {
          if (err) {
            s.destroy();
            reject(err);
          } else {
            recent.push({ atMs: performance.now(), records: batch });
            recent = recent.filter((r) => r.atMs >= performance.now() - RESEND_WINDOW_MS);
            resolve();
          }
        });
      });
    },
  });

  return {
    name: options.name,
    publish: (record) => queue.push(record),
    async close(timeoutMs = 5000) {
      await queue.close(timeoutMs);
      closing = true;
      const s = socket;
      socket = null;
      if (!s || s.destroyed) return;
      // A listener that stopped reading never lets 'finish' come: a short grace, then the socket
      // is destroyed, so a shutdown (guard.closeAuditSinks) never hangs on a receiver.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          s.destroy();
          resolve();
        }, Math.min(timeoutMs, 1000));
        timer.unref();
        s.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
