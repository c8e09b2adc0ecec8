import type { AuditEvent, AuditEventContent } from '../core/audit/auditChain';
import type { LineTypeSource } from '../core/phone/lineTypeWithSource';
import { auditMac } from '../core/audit/auditChain';
import type { Clock } from '../core/clock';
import { maskPhone } from '../core/phone/maskPhone';
import { hashPhone } from '../core/phone/hashPhone';
import { newRandomId, type RandomSource } from '../core/random';
import type { AuditStore } from '../stores/types';

/** Where a request came from, for the audit record. */
export type RequestContext = { requestId?: string | null; ip?: string | null; userAgent?: string | null; deviceId?: string | null };

export type AuditInput = {
  type: string;
  outcome: AuditEvent['outcome'];
  userId?: string | null;
  actor?: string;
  reasons?: string[];
  factor?: string | null;
  action?: string | null;
  /** The full number: only its mask and keyed hash are written. */
  phone?: string | null;
  country?: string | null;
  /** SMS sends, refusals and delivery reports: the number's line type and its source (post-incident reviews). */
  lineType?: string | null;
  lineTypeSource?: LineTypeSource | null;
  context?: RequestContext;
};

export type AuditWriter = { record(input: AuditInput): Promise<AuditEvent> };

const MAX_APPEND_TRIES = 20;
const SYSTEM_CHAIN = '_system';

/**
 * Appends audit events to per-user hash chains. Each event carries the MAC of its content and
 * of the previous event's MAC; the store's unique (chainId, seq) makes a concurrent append
 * retry on the new head instead of forking the chain. A store failure throws: the operation
 * that needed the record fails (503) rather than going unrecorded.
 */
export function createAuditWriter(options: {
  store: AuditStore;
  key: Buffer;
  pepper: string;
  clock: Clock;
  random: RandomSource;
  retentionDays: number;
  /**
   * Told each event once the store has it, in chain order (the audit sinks). It must not throw
   * or wait: the store is the source of truth, a receiver never holds up the request.
   */
  onAppended?: (event: AuditEvent) => void;
}): AuditWriter {
  const { store, key, clock, random } = options;
  // Appends to one chain are queued within this process, so retries are only ever needed
  // against writers on other nodes; without this a burst for one user would thrash.
  const tails = new Map<string, Promise<unknown>>();
  const serialize = <T>(chainId: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(chainId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    tails.set(chainId, tail);
    void tail.then(() => {
      if (tails.get(chainId) === tail) tails.delete(chainId);
    });
    return next;
  };
  return {
    record(input) {
      return serialize(input.userId ?? SYSTEM_CHAIN, () => append(input));
    },
  };

  async function append(input: AuditInput): Promise<AuditEvent> {
    {
      const userId = input.userId ?? null;
      const chainId = userId ?? SYSTEM_CHAIN;
      const ctx = input.context ?? {};
      const content: AuditEventContent = {
        tsMs: clock.nowMs(),
        type: input.type,
        userId,
        actor: input.actor ?? (userId ? 'user' : 'system'),
        outcome: input.outcome,
        reasons: input.reasons ?? [],
        requestId: ctx.requestId ?? null,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ? ctx.userAgent.slice(0, 256) : null,
        deviceId: ctx.deviceId ?? null,
        factor: input.factor ?? null,
        action: input.action ?? null,
        phoneMasked: input.phone ? maskPhone(input.phone) : null,
        phoneHash: input.phone ? hashPhone(options.pepper, input.phone) : null,
        country: input.country ?? null,
        // Only when known: other events keep the shape (and MAC form) they always had.
        ...(input.lineType ? { lineType: input.lineType, lineTypeSource: input.lineTypeSource ?? null } : {}),
      };
      const expireAtMs = content.tsMs + options.retentionDays * 86_400_000;
      for (let attempt = 0; attempt < MAX_APPEND_TRIES; attempt += 1) {
        const head = await store.head(chainId);
        const unsigned: Omit<AuditEvent, 'mac'> = {
          id: newRandomId(random),
          chainId,
          seq: (head?.seq ?? 0) + 1,
          prevMac: head?.mac ?? '',
          prevTsMs: head?.tsMs ?? null,
          ...content,
        };
        const event: AuditEvent = { ...unsigned, mac: auditMac(key, unsigned) };
        if ((await store.insert(event, expireAtMs)) === 'ok') {
          // Inside the chain's queue, so the next append of this chain is published after this one.
          try {
            options.onAppended?.(event);
          } catch {
            // A sink's failure is its own (counted there); the event is stored either way.
          }
          return event;
        }
      }
      throw new Error(`audit: could not append to chain after ${MAX_APPEND_TRIES} tries (heavy contention)`);
    }
  }
}
