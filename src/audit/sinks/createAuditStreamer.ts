import type { AuditEvent } from '../../core/audit/auditChain';
import type { Clock } from '../../core/clock';
import { cryptoRandom, type RandomSource } from '../../core/random';
import type { AuditSink } from './AuditSink';
import { checkpointId, checkpointMac, type AuditCheckpoint, type AuditStreamRecord } from './auditStreamRecord';

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
 * (and on close), a round of signed checkpoints: one per chain this process appended to since
 * the last round. Checkpoints are per process: on several nodes each sends its own rounds, under
 * its own random node id, for the heads it wrote. Each checkpoint carries its round number and
 * the round's size, so a verifier sees a chain (or a round) taken out of a received copy.
 */
export function createAuditStreamer(options: {
  sinks: readonly AuditSink[];
  key: Buffer;
  clock: Clock;
  checkpointEverySeconds: number;
  /** Draws the node id (random per process: a restarted process is a new node, rounds from 1). */
  random?: RandomSource;
  onError?: (err: unknown, sink: string) => void;
}): AuditStreamer {
  const { sinks, key, clock } = options;
  const changed = new Map<string, { seq: number; mac: string }>();
  const nodeId = (options.random ?? cryptoRandom).bytes(12).toString('base64url');
  let round = 0;
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
    // A round with nothing to vouch for is not sent, so round numbers have no gaps of their own.
    if (changed.size === 0) return;
    round += 1;
    const tsMs = clock.nowMs();
    const roundSize = changed.size;
    for (const [chainId, head] of changed) {
      const body = { chainId, seq: head.seq, headMac: head.mac, tsMs, nodeId, round, roundSize };
      const record: AuditCheckpoint = { kind: 'audit_checkpoint', id: checkpointId(body), ...body, mac: checkpointMac(key, body) };
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
