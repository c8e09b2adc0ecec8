import type { AuditEvent } from '../../core/audit/auditChain';
import type { Clock } from '../../core/clock';
import type { AuditSink } from './AuditSink';
import { checkpointMac, type AuditCheckpoint, type AuditStreamRecord } from './auditStreamRecord';

export type AuditStreamer = {
  /** Called after an event is in the store, in chain order. Never throws. */
  publish(event: AuditEvent): void;
  /** Sends a checkpoint for each chain that changed since the last one. */
  checkpoint(): void;
  /** Sends the last checkpoints, flushes the sinks and stops the timer. */
  close(timeoutMs?: number): Promise<void>;
};

/**
 * Feeds every sink each event written by this process and, every `checkpointEverySeconds`
 * (and on close), a signed checkpoint per chain this process appended to. Checkpoints are per
 * process: on several nodes each sends its own for the heads it wrote, which a verifier
 * checks the same way (a checkpoint only says "seq N has MAC M").
 */
export function createAuditStreamer(options: {
  sinks: readonly AuditSink[];
  key: Buffer;
  clock: Clock;
  checkpointEverySeconds: number;
  onError?: (err: unknown, sink: string) => void;
}): AuditStreamer {
  const { sinks, key, clock } = options;
  const changed = new Map<string, { seq: number; mac: string }>();
  const send = (record: AuditStreamRecord) => {
    for (const sink of sinks) {
      try {
        sink.publish(record);
      } catch (err) {
        options.onError?.(err, sink.name);
      }
    }
  };
  const checkpoint = () => {
    const tsMs = clock.nowMs();
    for (const [chainId, head] of changed) {
      const body = { chainId, seq: head.seq, headMac: head.mac, tsMs };
      const record: AuditCheckpoint = { kind: 'audit_checkpoint', id: `checkpoint.${chainId}.${head.seq}`, ...body, mac: checkpointMac(key, body) };
      send(record);
    }
    changed.clear();
  };
  const timer = options.checkpointEverySeconds > 0 ? setInterval(checkpoint, options.checkpointEverySeconds * 1000) : null;
  timer?.unref();
  let closed = false;
  return {
    publish(event) {
      if (closed) return;
      const head = changed.get(event.chainId);
      if (!head || event.seq > head.seq) changed.set(event.chainId, { seq: event.seq, mac: event.mac });
      send({ kind: 'audit_event', event });
    },
    checkpoint,
    async close(timeoutMs = 5000) {
      if (closed) return;
      checkpoint();
      closed = true;
      if (timer) clearInterval(timer);
      await Promise.all(sinks.map((sink) => sink.close(timeoutMs).catch((err: unknown) => options.onError?.(err, sink.name))));
    },
  };
}
