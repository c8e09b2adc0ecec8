import type { RandomSource } from '../../core/random';
import type { AuditStreamRecord } from './auditStreamRecord';

export type DeliveryQueueOptions = {
  /** The sink's name, for the drop counter. */
  name: string;
  /** Events held while the receiver is slow or down; beyond it new events are dropped and counted (checkpoints get as much room again). */
  maxQueue: number;
  /** Records sent in one delivery. */
  maxBatch: number;
  /** First retry delay; doubles per failed try up to `maxBackoffMs`, with up to 50 % random jitter. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  random: RandomSource;
  /** Delivers one batch; resolves once the receiver has it, rejects to have it retried (with the same array). */
  deliver: (batch: readonly AuditStreamRecord[]) => Promise<void>;
  onDropped: (count: number) => void;
  /** Told about each failed try (no record content: the sink logs only its name and the error). */
  onError?: (err: unknown, attempt: number) => void;
  /** @default setTimeout, unref'd so a retrying sink never keeps the process alive */
  sleep?: (ms: number) => Promise<void>;
};

/** What a network sink's options and dependencies give its queue (all but `deliver`). */
export function queueSettingsOf(
  options: { name: string; maxQueue: number; maxBatch: number; initialBackoffMs: number; maxBackoffMs: number },
  deps: { random: RandomSource; onDropped: (count: number) => void; onError?: (err: unknown, attempt: number) => void; sleep?: (ms: number) => Promise<void> },
): Omit<DeliveryQueueOptions, 'deliver'> {
  return {
    name: options.name,
    maxQueue: options.maxQueue,
    maxBatch: options.maxBatch,
    initialBackoffMs: options.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
    random: deps.random,
    onDropped: deps.onDropped,
    ...(deps.onError ? { onError: deps.onError } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
}

export type DeliveryQueue = {
  push(record: AuditStreamRecord): void;
  /**
   * Puts records that were delivered but may not have arrived back in front of everything
   * queued (the batch being retried included), so they go out again before anything newer.
   */
  requeue(records: readonly AuditStreamRecord[]): void;
  /** Queued records, the batch in flight included (it leaves the queue once delivered). */
  size(): number;
  /** Waits until everything queued is delivered or `timeoutMs` passes; then stops retrying. */
  close(timeoutMs: number): Promise<void>;
};

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * The bounded FIFO both network sinks share. One batch is in flight at a time and a failed
 * batch is retried as it was (same records, same order) until it goes through, so records of a
 * chain arrive in the order they were written, and a retry can only repeat records the
 * receiver may already have, under the same ids. When full, the newest event is dropped: what
 * was queued still arrives in order, and the checkpoint that follows (still queued) makes the
 * receiver's `audit verify --stream` report the hole.
 */
export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const sleep = options.sleep ?? defaultSleep;
  const queue: AuditStreamRecord[] = [];
  let running = false;
  let closing = false;
  let closed = false;
  let restart = false;
  let idle: (() => void) | null = null;

  // Started on the next microtask, so records written in one burst go out in one batch.
  const start = () => {
    if (running) return;
    running = true;
    queueMicrotask(() => void run());
  };
  const run = async () => {
    running = true;
    let attempt = 0;
    // A failed batch is retried as the same array (records that arrived since wait for the next one).
    let batch: AuditStreamRecord[] | null = null;
    while (queue.length > 0 && !closed) {
      if (restart) {
        restart = false;
        batch = null;
      }
      batch ??= queue.slice(0, options.maxBatch);
      try {
        await options.deliver(batch);
        // The batch is still the queue's head unless records were requeued in front meanwhile.
        const at = queue.indexOf(batch[0] as AuditStreamRecord);
        queue.splice(at < 0 ? 0 : at, batch.length);
        batch = null;
        attempt = 0;
      } catch (err) {
        attempt += 1;
        options.onError?.(err, attempt);
        if (closed) break;
        const base = Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** Math.min(attempt - 1, 30));
        // Jitter spreads the retries of many nodes after a receiver outage.
        const jitter = Math.floor((base / 2) * (options.random.int(0, 1001) / 1000));
        await sleep(base + jitter);
      }
    }
    running = false;
    idle?.();
  };

  return {
    push(record) {
      if (closed) return;
      // A checkpoint is what tells the receiver that records are missing, so a full queue still
      // takes checkpoints, up to twice its size; events beyond maxQueue are dropped.
      const limit = record.kind === 'audit_checkpoint' ? options.maxQueue * 2 : options.maxQueue;
      if (queue.length >= limit) {
        options.onDropped(1);
        return;
      }
      queue.push(record);
      start();
    },
    requeue(records) {
      if (closed || records.length === 0) return;
      queue.unshift(...records);
      restart = true;
      start();
    },
    size: () => queue.length,
    async close(timeoutMs) {
      if (closing) return;
      closing = true;
      if (running) {
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          // Real time, not the injected backoff sleep: how long shutdown may take.
          defaultSleep(timeoutMs),
        ]);
      }
      closed = true;
      // What could not be delivered in time is lost to this sink: count it like a drop.
      if (queue.length > 0) options.onDropped(queue.length);
      queue.length = 0;
    },
  };
}
