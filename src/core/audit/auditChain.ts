import { createHmac, hkdfSync } from 'node:crypto';
import { constantTimeEqual } from '../otp/constantTimeEqual';

/** One audit record as stored. Never holds a code, secret, full phone number or session id. */
export type AuditEvent = {
  id: string;
  /** The chain the event belongs to: the user id, or `_system` for events without a user. */
  chainId: string;
  /** 1, 2, 3, ... within the chain; (chainId, seq) is unique, so concurrent writers cannot fork it. */
  seq: number;
  tsMs: number;
  type: string;
  userId: string | null;
  /** Who caused it: `user`, `system`, or `admin:<name>`. */
  actor: string;
  outcome: 'success' | 'failure' | 'blocked' | 'info';
  reasons: string[];
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  deviceId: string | null;
  factor: string | null;
  action: string | null;
  phoneMasked: string | null;
  /** Keyed hash of the E.164 number: lets an investigator match numbers without storing them. */
  phoneHash: string | null;
  country: string | null;
  /**
   * For SMS sends, refusals and delivery reports: the number's line type (LINE_TYPES names) and
   * where it came from. Absent on other events, and on events written before these existed.
   */
  lineType?: string | null;
  lineTypeSource?: 'carrier_lookup' | 'numbering_plan' | null;
  /** The previous event's MAC in this chain (`''` for the first). */
  prevMac: string;
  /**
   * The previous event's time (`null` for the first). It lets a verifier tell a head removed by
   * retention (its predecessor was old enough to expire) from one an attacker deleted.
   */
  prevTsMs: number | null;
  /** HMAC over every other field, prevMac included. */
  mac: string;
};

export type AuditEventContent = Omit<AuditEvent, 'id' | 'chainId' | 'seq' | 'prevMac' | 'prevTsMs' | 'mac'>;

const FIELDS: (keyof AuditEvent)[] = [
  'id', 'chainId', 'seq', 'tsMs', 'type', 'userId', 'actor', 'outcome', 'reasons', 'requestId', 'ip',
  'userAgent', 'deviceId', 'factor', 'action', 'phoneMasked', 'phoneHash', 'country', 'prevMac', 'prevTsMs',
];

/**
 * Fields added later, MAC'd after the fixed ones and only when the event has one of them, so
 * events written before they existed keep their MACs (and a removed value still breaks it).
 */
const EXTENSION_FIELDS: (keyof AuditEvent)[] = ['lineType', 'lineTypeSource'];

/**
 * Every field an event may carry: the MAC'd ones and `mac`. A copy of an event (a stream
 * receiver's) that holds any other field holds something no MAC vouches for.
 */
export const AUDIT_EVENT_FIELDS: readonly string[] = [...FIELDS, ...EXTENSION_FIELDS, 'mac'];

/** The MAC of an event: HMAC-SHA256 over its fields in a fixed order (the `mac` field excluded). */
export function auditMac(key: string | Buffer, event: Omit<AuditEvent, 'mac'>): string {
  const values = FIELDS.map((f) => event[f as keyof typeof event] ?? null);
  const extensions = EXTENSION_FIELDS.map((f) => event[f as keyof typeof event] ?? null);
  if (extensions.some((v) => v !== null)) values.push('ext-v1', ...extensions);
  const canonical = JSON.stringify(values);
  return createHmac('sha256', key).update(canonical).digest('base64url');
}

export type ChainBreak = {
  chainId: string;
  /** The first event that does not check out (or the one after a missing event). */
  eventId: string;
  seq: number;
  problem: 'mac_mismatch' | 'broken_link' | 'sequence_gap' | 'out_of_order' | 'head_missing';
};

export type ChainVerification = { ok: true; events: number } | { ok: false; events: number; firstBreak: ChainBreak };

/**
 * Checks one chain, in seq order as stored: every MAC, every link to the previous MAC, and no
 * gaps. An edited event fails its MAC; a deleted one leaves a gap or a broken link; a reordered
 * pair breaks the order. A chain whose oldest events were removed by retention starts above 1:
 * that is accepted only when the first remaining event says (under its MAC) that its
 * predecessor was older than `prunedBeforeMs`, i.e. old enough for retention to have removed it.
 */
export function verifyAuditChain(
  key: string | Buffer,
  events: Iterable<AuditEvent>,
  options: { prunedBeforeMs?: number } = {},
): ChainVerification {
  let previous: AuditEvent | undefined;
  let count = 0;
  for (const event of events) {
    count += 1;
    const fail = (problem: ChainBreak['problem']): ChainVerification => ({
      ok: false,
      events: count,
      firstBreak: { chainId: event.chainId, eventId: event.id, seq: event.seq, problem },
    });
    const { mac, ...rest } = event;
    if (!constantTimeEqual(auditMac(key, rest), mac)) return fail('mac_mismatch');
    if (previous === undefined) {
      const pruned = options.prunedBeforeMs !== undefined && event.prevTsMs !== null && event.prevTsMs < options.prunedBeforeMs;
      if (event.seq !== 1 && !pruned) return fail('head_missing');
      if (event.seq === 1 && event.prevMac !== '') return fail('broken_link');
    } else {
      if (event.seq <= previous.seq) return fail('out_of_order');
      if (event.seq !== previous.seq + 1) return fail('sequence_gap');
      if (!constantTimeEqual(event.prevMac, previous.mac)) return fail('broken_link');
    }
    previous = event;
  }
  return { ok: true, events: count };
}

/** The audit MAC key, derived from the pepper so that one secret serves and the two uses stay apart. */
export function deriveAuditKey(pepper: string): Buffer {
  return Buffer.from(hkdfSync('sha256', pepper, 'stepguard', 'audit-mac-v1', 32));
}
